import { createSignal, onCleanup } from 'solid-js';

export type Route =
  | { name: 'board' /** The board's view as a query string (see store/boardState.ts). */; query?: string }
  /** `item`: the item to scroll to and highlight (`?item=<kind>:<key>`, see `lib/items.ts`), or null. */
  | { name: 'session'; sessionId: string; item?: string | null }
  /** `params`: the History search and filters, as a query string without the `?` (see `historyQueryFromParams`). */
  | { name: 'history'; params?: string }
  | { name: 'analytics' }
  /** The machines that forward their agents' events, with their metrics. */
  | { name: 'hosts' }
  | { name: 'settings' }
  /** The terminals page: the open terminals, "New terminal". */
  | { name: 'terminals' }
  /** One terminal (xterm.js), by its id. */
  | { name: 'terminal'; terminalId: string };

export function parseHash(hash: string): Route {
  // `#/?status=approval`: the board with its view in the query (see store/boardState.ts)
  const full = hash.replace(/^#/, '') || '/';
  const q = full.indexOf('?');
  const path = q < 0 ? full : full.slice(0, q);
  const search = q < 0 ? '' : full.slice(q + 1);
  const parts = path.split('/').filter(Boolean);
  const [head, arg] = parts;
  if (head === 'session' && arg) {
    const item = new URLSearchParams(search).get('item');
    return { name: 'session', sessionId: decodeURIComponent(arg), ...(item ? { item } : {}) };
  }
  if (head === 'history') return search ? { name: 'history', params: search } : { name: 'history' };
  if (head === 'terminals')
    return arg ? { name: 'terminal', terminalId: decodeURIComponent(arg) } : { name: 'terminals' };
  if (head === 'analytics') return { name: 'analytics' };
  if (head === 'hosts') return { name: 'hosts' };
  if (head === 'settings') return { name: 'settings' };
  return { name: 'board' };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'session':
      return `#/session/${encodeURIComponent(route.sessionId)}${
        route.item ? `?${new URLSearchParams({ item: route.item })}` : ''
      }`;
    case 'history':
      return route.params ? `#/history?${route.params}` : '#/history';
    case 'terminal':
      return `#/terminals/${encodeURIComponent(route.terminalId)}`;
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

/**
 * Rewrites the current history entry's hash without a navigation (no `hashchange`, no new entry): for state a
 * view keeps in the URL (the History search) so that Back, a reload or a shared link come back to it.
 */
export function replaceHash(href: string): void {
  if (window.location.hash === href) return;
  window.history.replaceState(window.history.state, '', href);
}
