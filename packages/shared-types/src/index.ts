export * from './alerts.js';
export * from './approval-rendering.js';
export * from './approvals.js';
export * from './domain.js';
export * from './envelope.js';
export * from './hooks/index.js';
export * from './terminals.js';
export * from './transcript.js';
