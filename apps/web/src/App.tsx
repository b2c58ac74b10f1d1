import {
  createEffect,
  createResource,
  createSignal,
  For,
  type JSX,
  Match,
  onCleanup,
  onMount,
  Show,
  Switch,
} from 'solid-js';
import { ApprovalTray, ApprovalTrayButton, pressApprovalKey } from './components/ApprovalTray.js';
import { DeliveryBanner } from './components/DeliveryBanner.js';
import { HelpDialog } from './components/Help.js';
import { NewAgentButton } from './components/LaunchForm.js';
import { TerminalPanel } from './components/TerminalPanel.js';
import type { Api } from './data/types.js';
import { alertOnApproval, alertOnRule, alertOnTransition } from './lib/alerts.js';
import { applyTheme, prefs, setPrefs } from './lib/prefs.js';
import { createHashRouter, type Route } from './lib/router.js';
import { createApprovalsStore } from './store/approvals.js';
import { bindBoardToUrl, boardHref, createBoardState } from './store/boardState.js';
import { createSessionStore } from './store/sessions.js';
import { AnalyticsView } from './views/Analytics.js';
import { Board } from './views/Board.js';
import { DetailPage } from './views/Detail.js';
import { HistoryView } from './views/History.js';
import { HostsView } from './views/Hosts.js';
import { LoginView } from './views/Login.js';
import { SettingsView } from './views/Settings.js';
import { TerminalsView } from './views/Terminals.js';

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

const THEME_CYCLE = { system: 'dark', dark: 'light', light: 'system' } as const;

function Dashboard(props: { api: Api; onAuthChange: () => void }): JSX.Element {
  const store = createSessionStore({ onTransition: alertOnTransition });
  const board = createBoardState(store);
  bindBoardToUrl(board);
  const router = createHashRouter();
  const [help, setHelp] = createSignal(false);
  const [toasts, setToasts] = createSignal<Array<{ id: number; text: string }>>([]);
  let searchEl: HTMLInputElement | undefined;
  let toastId = 0;

  const toast = (text: string) => {
    const id = ++toastId;
    setToasts([...toasts(), { id, text }]);
    setTimeout(() => setToasts(toasts().filter((t) => t.id !== id)), 4000);
  };
  /** Opens a session's detail page, at one of its items when `item` is given (`lib/items.ts`). */
  const open = (sessionId: string, item?: string) => {
    board.setSelected(sessionId);
    router.navigate({ name: 'session', sessionId, ...(item ? { item } : {}) });
  };
  // The board keeps its filters and sort: going back to it goes to its address with the view's query.
  /** The board showing only the sessions of `host`. */
  const showHostOnBoard = (host: string) =>
    router.navigate({ name: 'board', query: new URLSearchParams({ host }).toString() });
  const go = (r: Route) => router.navigate(r.name === 'board' ? { name: 'board', query: board.query() } : r);
  const archive = async (ids: string[]) => {
    const results = await Promise.allSettled(ids.map((id) => props.api.setArchived(id, true)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    const done = ids.length - failed;
    toast(
      failed > 0
        ? `Archived ${done} of ${ids.length} ended sessions; ${failed} could not be archived.`
        : `Archived ${done} ended session${done === 1 ? '' : 's'}. They stay in History.`,
    );
  };

  const approvals = createApprovalsStore(props.api, { onNotice: (text) => toast(text) });
  onCleanup(approvals.onOpened((a) => alertOnApproval(a, () => approvals.focus(a.id))));

  onMount(() => {
    onCleanup(props.api.approvalsLive((msg) => approvals.push(msg)));
    onCleanup(props.api.alertsLive((alert) => alertOnRule(alert, { toast, openSession: open })));
    // A click on a push notification (service worker) names the approval to show: in a message to this page, or
    // in the address of a page it opened (`?approval=<id>`).
    const fromUrl = new URL(window.location.href).searchParams.get('approval');
    if (fromUrl) {
      approvals.focus(fromUrl);
      const url = new URL(window.location.href);
      url.searchParams.delete('approval');
      window.history.replaceState(window.history.state, '', url);
    }
    const onWorkerMessage = (e: MessageEvent) => {
      const data = e.data as { type?: string; approvalId?: unknown; sessionId?: unknown } | null;
      if (data?.type === 'focus-approval' && typeof data.approvalId === 'string')
        approvals.focus(data.approvalId);
      if (data?.type === 'open-session' && typeof data.sessionId === 'string') open(data.sessionId);
    };
    navigator.serviceWorker?.addEventListener('message', onWorkerMessage);
    onCleanup(() => navigator.serviceWorker?.removeEventListener('message', onWorkerMessage));
    const stop = props.api.live({
      onMessage: (msg, id) => store.push(msg, id),
      onState: (state, error) => {
        store.setConnection(state, error ?? null);
        if (error && /UNAUTHORIZED|login required/i.test(error)) props.onAuthChange();
      },
    });
    onCleanup(stop);
  });

  // The tab title shows how many agents need you. Setting document.title is costly in Chromium, so it is
  // written at most once a second, and only when the text changes.
  let titleTimer: ReturnType<typeof setTimeout> | undefined;
  const writeTitle = () => {
    titleTimer = undefined;
    const n = board.needsYouCount();
    const text =
      n > 0 ? `(${n}) Flightdeck — ${n === 1 ? 'an agent needs' : `${n} agents need`} you` : 'Flightdeck';
    if (document.title !== text) document.title = text;
  };
  createEffect(() => {
    board.needsYouCount();
    titleTimer ??= setTimeout(writeTitle, 1000);
  });
  onCleanup(() => clearTimeout(titleTimer));

  /**
   * Keys on the approval in front of the user: the focused one in the tray (else its oldest), or on a session's
   * page that session's approval. `a`/`d`/`s` press its Allow / Deny / Allow for session button; in the tray
   * `j`/`k` (or the arrows) move between approvals.
   */
  const onApprovalKey = (e: KeyboardEvent): boolean => {
    const tray = approvals.trayOpen() ? document.querySelector('.tray') : null;
    if (tray) {
      const items = [...tray.querySelectorAll<HTMLElement>('[data-approval-id]')];
      const current = items.findIndex((el) => el.dataset.approvalId === approvals.focused());
      const step = ['j', 'ArrowDown'].includes(e.key) ? 1 : ['k', 'ArrowUp'].includes(e.key) ? -1 : 0;
      if (step !== 0) {
        e.preventDefault();
        const next = items[Math.min(items.length - 1, Math.max(0, current + step))];
        // The tray moves the keyboard to the approval it focuses.
        if (next?.dataset.approvalId) approvals.focus(next.dataset.approvalId);
        return true;
      }
      const item = items[current] ?? items[0];
      if (pressApprovalKey(item, e.key)) {
        e.preventDefault();
        return true;
      }
      return false;
    }
    if (router.route().name !== 'session') return false;
    if (pressApprovalKey(document.querySelector('.detail [data-approval-id]'), e.key)) {
      e.preventDefault();
      return true;
    }
    return false;
  };

  let pendingG = false;
  const onKey = (e: KeyboardEvent) => {
    if (e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === 'Escape') {
      if (help()) return setHelp(false);
      if (approvals.trayOpen() && !isTyping(e.target)) return approvals.setTrayOpen(false);
      if (isTyping(e.target)) return (e.target as HTMLElement).blur();
      if (router.route().name === 'session') return router.back();
      return board.setSelected(null);
    }
    if (isTyping(e.target)) return;
    if (document.querySelector('[role="dialog"]')) return;
    const onBoard = router.route().name === 'board';
    if (!pendingG && onApprovalKey(e)) return;
    if (pendingG) {
      pendingG = false;
      const to = ({ b: 'board', h: 'history', t: 'terminals', a: 'analytics', s: 'settings' } as const)[
        e.key as 'b' | 'h' | 't' | 'a' | 's'
      ];
      if (to) {
        e.preventDefault();
        return go({ name: to });
      }
    }
    switch (e.key) {
      case 'g':
        pendingG = true;
        setTimeout(() => (pendingG = false), 1200);
        return;
      case '?':
        e.preventDefault();
        return setHelp(!help());
      case '/':
        e.preventDefault();
        if (!onBoard) go({ name: 'board' });
        queueMicrotask(() => searchEl?.focus());
        return;
      case 'n': {
        e.preventDefault();
        const id = board.nextNeedsYou();
        if (!id) return toast('No agent needs you right now.');
        if (!onBoard) open(id);
        return;
      }
      case 'j':
      case 'ArrowDown':
      case 'ArrowRight':
        if (!onBoard) return;
        e.preventDefault();
        board.move(1);
        return;
      case 'k':
      case 'ArrowUp':
      case 'ArrowLeft':
        if (!onBoard) return;
        e.preventDefault();
        board.move(-1);
        return;
      case 'Enter': {
        const id = board.selected();
        if (onBoard && id) {
          e.preventDefault();
          open(id);
        }
        return;
      }
    }
  };
  window.addEventListener('keydown', onKey);
  onCleanup(() => window.removeEventListener('keydown', onKey));

  const nav: Array<{ name: Route['name']; label: string }> = [
    { name: 'board', label: 'Board' },
    { name: 'history', label: 'History' },
    { name: 'terminals', label: 'Terminals' },
    { name: 'hosts', label: 'Hosts' },
    { name: 'analytics', label: 'Analytics' },
    { name: 'settings', label: 'Settings' },
  ];
  const openTerminal = (terminalId: string) => router.navigate({ name: 'terminal', terminalId });
  const connection = () => store.state.connection;

  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href={boardHref(board.query())}>
          <span class="logo" aria-hidden="true" />
          <span class="brand__name">Flightdeck</span>
        </a>
        <nav class="topnav" aria-label="Main">
          <For each={nav}>
            {(n) => (
              <a
                href={n.name === 'board' ? boardHref(board.query()) : `#/${n.name}`}
                class="topnav__link"
                aria-current={
                  router.route().name === n.name ||
                  (n.name === 'board' && router.route().name === 'session') ||
                  (n.name === 'terminals' && router.route().name === 'terminal')
                    ? 'page'
                    : undefined
                }
              >
                {n.label}
                <Show when={n.name === 'board' && board.needsYouCount() > 0}>
                  <span class="needs-count" title="Sessions that need you">
                    {board.needsYouCount()}
                    <span class="visually-hidden"> need you</span>
                  </span>
                </Show>
              </a>
            )}
          </For>
        </nav>
        <div class="topbar__right">
          <span class={`conn conn--${connection()}`} role="status" title={store.state.error ?? undefined}>
            <span class="conn__dot" aria-hidden="true" />
            <span class="conn__label">{connection() === 'live' ? 'Live' : connection()}</span>
          </span>
          <button
            type="button"
            class="btn btn--ghost btn--icon"
            aria-label={`Theme: ${prefs().theme}. Switch theme`}
            title={`Theme: ${prefs().theme}`}
            onClick={() => {
              const theme = THEME_CYCLE[prefs().theme];
              setPrefs({ theme });
              applyTheme(theme);
            }}
          >
            {prefs().theme === 'dark' ? '☾' : prefs().theme === 'light' ? '☀' : '◐'}
          </button>
          <ApprovalTrayButton store={approvals} />
          <button
            type="button"
            class="btn btn--ghost btn--icon"
            aria-label="Keyboard shortcuts"
            onClick={() => setHelp(true)}
          >
            ?
          </button>
        </div>
      </header>
      <Show when={connection() === 'reconnecting' || connection() === 'offline'}>
        <div class="banner banner--offline" role="alert" data-testid="offline-banner">
          <Show when={connection() === 'reconnecting'} fallback={<>Offline: the live connection failed. </>}>
            Connection lost — reconnecting… The board shows the last known state.
          </Show>
          <Show when={connection() === 'offline'}>
            <button type="button" class="btn btn--small" onClick={() => window.location.reload()}>
              Reload
            </button>
          </Show>
        </div>
      </Show>
      <DeliveryBanner api={props.api} onToast={toast} />
      <main class="main">
        <Switch>
          <Match when={router.route().name === 'board'}>
            <Board
              store={store}
              board={board}
              approvals={approvals}
              onOpen={open}
              onArchive={archive}
              searchRef={(el) => (searchEl = el)}
              launcher={<NewAgentButton api={props.api} onOpenTerminal={openTerminal} />}
            />
          </Match>
          <Match
            when={
              router.route().name === 'session' &&
              (router.route() as { sessionId: string; item?: string | null })
            }
          >
            {(r) => (
              <DetailPage
                sessionId={r().sessionId}
                item={r().item ?? null}
                api={props.api}
                store={store}
                approvals={approvals}
                onClose={() => router.back()}
                onOpen={open}
                onOpenTerminal={openTerminal}
                onToast={toast}
              />
            )}
          </Match>
          <Match when={router.route().name === 'terminals'}>
            <TerminalsView api={props.api} onOpen={openTerminal} onOpenSession={open} />
          </Match>
          {/* Keyed: another terminal is another panel (its own screen and stream). */}
          <Match
            when={router.route().name === 'terminal' && (router.route() as { terminalId: string })}
            keyed
          >
            {(r) => (
              <TerminalPanel
                api={props.api}
                terminalId={r.terminalId}
                onClosed={() => router.navigate({ name: 'terminals' })}
                onToast={toast}
              />
            )}
          </Match>
          {/* Keyed: every navigation to a History URL (Back, the top link) starts from the query in that URL. */}
          <Match when={router.route().name === 'history' && (router.route() as { params?: string })} keyed>
            {(r) => <HistoryView api={props.api} params={r.params} onOpen={open} />}
          </Match>
          <Match when={router.route().name === 'hosts'}>
            <HostsView
              list={() => props.api.hostsList?.() ?? Promise.resolve([])}
              onBoard={showHostOnBoard}
            />
          </Match>
          <Match when={router.route().name === 'analytics'}>
            <AnalyticsView api={props.api} />
          </Match>
          <Match when={router.route().name === 'settings'}>
            <SettingsView
              api={props.api}
              onToast={toast}
              onAuthChange={props.onAuthChange}
              onOpenTerminal={openTerminal}
            />
          </Match>
        </Switch>
      </main>
      <ApprovalTray store={approvals} onOpenSession={open} />
      <Show when={help()}>
        <HelpDialog onClose={() => setHelp(false)} />
      </Show>
      <div class="toasts" aria-live="polite">
        <For each={toasts()}>{(t) => <div class="toast">{t.text}</div>}</For>
      </div>
    </div>
  );
}

/** Root: asks the server whether a login is needed, then shows the login page or the dashboard. */
export function App(props: { api: Api }): JSX.Element {
  applyTheme(prefs().theme);
  const [auth, { refetch }] = createResource(() => props.api.authStatus());
  const needsLogin = () => {
    const a = auth.latest;
    return a?.passwordRequired === true && !a.authenticated;
  };
  return (
    <Switch fallback={<p class="empty">Loading…</p>}>
      <Match when={auth.error && !auth.latest}>
        <div class="empty" role="alert">
          <p>Cannot reach the Flightdeck server.</p>
          <button type="button" class="btn" onClick={() => refetch()}>
            Retry
          </button>
        </div>
      </Match>
      <Match when={needsLogin()}>
        <LoginView
          onLogin={async (pw) => {
            await props.api.login(pw);
            await refetch();
          }}
        />
      </Match>
      <Match when={auth.latest}>
        <Dashboard api={props.api} onAuthChange={() => void refetch()} />
      </Match>
    </Switch>
  );
}
