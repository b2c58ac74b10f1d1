import { render } from 'solid-js/web';
import { App } from './App.js';
import { createTrpcApi } from './data/trpc.js';
import { registerServiceWorker } from './lib/push.js';
import './styles/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
render(() => <App api={createTrpcApi()} />, root);
// Push notifications with Allow / Deny, and what makes the dashboard installable as an app.
registerServiceWorker();
