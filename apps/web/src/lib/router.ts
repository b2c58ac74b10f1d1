import { createSignal, onCleanup } from 'solid-js';

export type Route =
  | { name: 'board' /** The board's view as a query string (see store/boardState.ts). */; query?: string }
  | { name: 'session'; sessionId: string }
  | { name: 'history' }
  | { name: 'analytics' }
  | { name: 'settings' };

export function parseHash(hash: string): Route {
  // `#/?status=approval`: the board with its view in the query (see store/boardState.ts)
  const path = hash.replace(/^#/, '').split('?')[0] || '/';
  const parts = path.split('/').filter(Boolean);
  const [head, arg] = parts;
  if (head === 'session' && arg) return { name: 'session', sessionId: decodeURIComponent(arg) };
  if (head === 'history') return { name: 'history' };
  if (head === 'analytics') return { name: 'analytics' };
  if (head === 'settings') return { name: 'settings' };
  return { name: 'board' };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'session':
      return `#/session/${encodeURIComponent(route.sessionId)}`;
    case 'board':
      return route.query ? `#/?${route.query}` : '#/';
    default:
      return `#/${route.name}`;
  }
}

/** A tiny hash router: the route is a signal derived from `location.hash`. */
export function createHashRouter() {
  const [route, setRoute] = createSignal<Route>(parseHash(window.location.hash));
  const onHash = () => setRoute(parseHash(window.location.hash));
  window.addEventListener('hashchange', onHash);
  onCleanup(() => window.removeEventListener('hashchange', onHash));
  let previous: string | null = null;
  return {
    route,
    navigate(to: Route) {
      previous = window.location.hash || '#/';
      const href = hrefOf(to);
      if (window.location.hash !== href) window.location.hash = href;
      else setRoute(to);
    },
    /** Back to where the user came from (or the board). */
    back() {
      const target = previous && previous !== window.location.hash ? previous : '#/';
      previous = null;
      window.location.hash = target;
    },
  };
}
export type Router = ReturnType<typeof createHashRouter>;
