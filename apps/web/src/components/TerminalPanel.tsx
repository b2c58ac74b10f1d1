import { createSignal, type JSX, onCleanup, onMount, Show } from 'solid-js';
import type { TerminalInfo } from '../data/terminals.js';
import type { Api } from '../data/types.js';
import { createInputQueue, exitWords, TerminalFeed } from '../lib/terminal-feed.js';
import type { ScreenFactory } from '../lib/xterm-screen.js';

const RESIZE_DEBOUNCE_MS = 150;

/**
 * This page's viewer id: the same across reconnects (the server keeps the writer by it), another in each tab and
 * after a reload (a duplicated tab copies sessionStorage, so it is not kept there: two tabs must never share it).
 */
let pageViewerId: string | null = null;
export function viewerIdOfThisPage(): string {
  if (!pageViewerId) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    pageViewerId = `v-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  return pageViewerId;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Who types: this viewer, nobody yet, or another viewer (then "Take over"). */
export function writerWords(info: TerminalInfo | null, me: string): string {
  if (!info?.writer) return 'Nobody is typing: type to take the keyboard';
  return info.writer === me ? 'You are typing' : 'Another viewer is typing';
}

/**
 * One terminal: xterm.js fitted to its box, the output stream (replay, then live; resumed after a reconnect
 * without showing anything twice), keystrokes in order, resize, copy and paste, who types, "exited (code N)".
 */
export function TerminalPanel(props: {
  api: Api;
  terminalId: string;
  viewerId?: string;
  createScreen?: ScreenFactory;
  onClosed?: () => void;
  onToast?: (text: string) => void;
}): JSX.Element {
  const me = props.viewerId ?? viewerIdOfThisPage();
  const feed = new TerminalFeed();
  const [info, setInfo] = createSignal<TerminalInfo | null>(null);
  const [exit, setExit] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [link, setLink] = createSignal<'live' | 'reconnecting'>('live');
  let host!: HTMLDivElement;

  let teardown: (() => void) | null = null;
  let unmounted = false;
  onCleanup(() => {
    unmounted = true;
    teardown?.();
  });
  onMount(() => {
    if (props.createScreen) start(props.createScreen);
    // xterm.js is loaded with the first terminal, not with the dashboard.
    else
      void import('../lib/xterm-screen.js')
        .then((m) => unmounted || start(m.xtermScreen))
        .catch((e) => setError(`Cannot load the terminal: ${errText(e)}`));
  });
  const start = (createScreen: ScreenFactory) => {
    const copy = () => {
      const text = screen.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => props.onToast?.('Copy was refused.'));
    };
    const paste = () => {
      void navigator.clipboard
        ?.readText()
        .then((text) => text && screen.paste(text))
        .catch(() => props.onToast?.('Paste was refused by the browser: use Ctrl+V / ⌘V in the terminal.'));
    };
    const screen = createScreen(host, { onCopyKey: copy, onPasteKey: paste });
    pasteFn = paste;
    copyFn = copy;
    screen.fit();

    const send = createInputQueue(
      async (data) => {
        const r = await props.api.terminalInput(props.terminalId, me, data);
        if (!r.ok) throw new Error(r.conflict);
        setNotice(null);
      },
      (err) => setNotice(errText(err)),
    );
    screen.onData((data) => {
      if (feed.exit) return;
      // Typed blind while the socket is down, keys would land later all at once: they are not sent.
      if (link() === 'reconnecting') {
        setNotice('Reconnecting: what you type is not sent until the terminal is back.');
        return;
      }
      send(data);
    });

    // One size per PTY: the writer's (or, while nobody types, any viewer's) box sets it; a viewer that only watches
    // draws the PTY's grid as it is, so that a phone watching does not shrink the terminal of the one typing.
    const drives = () => {
      const w = info()?.writer;
      return !w || w === me;
    };
    const layout = () => {
      const i = info();
      if (drives() || !i) screen.fit();
      else screen.resizeTo(i.cols, i.rows);
    };
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;
    const sendSize = () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        const i = info();
        if (i && !i.exit && drives() && (i.cols !== screen.cols || i.rows !== screen.rows))
          props.api
            .resizeTerminal(props.terminalId, screen.cols, screen.rows)
            .catch((e) => setError(errText(e)));
      }, RESIZE_DEBOUNCE_MS);
    };
    screen.onResize(sendSize);
    const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(layout) : null;
    observer?.observe(host);

    const stop = props.api.terminalOutput(props.terminalId, me, {
      onMessage: (msg, id) => {
        const action = feed.push(msg, id);
        if (action.type === 'reset') screen.reset();
        else if (action.type === 'write') screen.write(action.data);
        if (msg.type === 'hello' || msg.type === 'info') {
          setInfo(feed.info);
          setError(null);
          layout();
          sendSize();
        }
        const words = exitWords(feed.exit);
        if (words && words !== exit()) {
          setExit(words);
          screen.setReadOnly(true);
        }
      },
      onError: (message) => setError(message),
      onState: (state) => {
        setLink(state);
        if (state === 'live' && notice()?.startsWith('Reconnecting')) setNotice(null);
      },
    });
    teardown = () => {
      stop();
      observer?.disconnect();
      clearTimeout(resizeTimer);
      screen.dispose();
    };
  };
  let pasteFn: () => void = () => undefined;
  let copyFn: () => void = () => undefined;

  const takeOver = () =>
    props.api
      .takeoverTerminal(props.terminalId, me)
      .then(() => setNotice(null))
      .catch((e) => setNotice(errText(e)));
  const close = () =>
    props.api
      .closeTerminal(props.terminalId)
      .then(() => props.onClosed?.())
      .catch((e) => setError(errText(e)));

  return (
    <section class="term" data-terminal-id={props.terminalId} aria-label="Terminal">
      <header class="term__bar">
        <h1 class="term__title">{info()?.title ?? props.terminalId}</h1>
        <Show
          when={exit()}
          fallback={
            <span class="term__state" data-testid="terminal-writer">
              {writerWords(info(), me)}
              <Show when={(info()?.viewers ?? 0) > 1}> · {info()?.viewers} viewers</Show>
            </span>
          }
        >
          <span class="term__exit" role="status" data-testid="terminal-exit">
            {exit()}
          </span>
        </Show>
        <Show when={link() === 'reconnecting'}>
          <span class="chip">reconnecting…</span>
        </Show>
        <span class="term__actions">
          <Show when={!exit() && info()?.writer && info()?.writer !== me}>
            <button type="button" class="btn btn--small btn--primary" onClick={takeOver}>
              Take over
            </button>
          </Show>
          <button
            type="button"
            class="btn btn--small"
            onClick={() => copyFn()}
            title="Copy the selection (Ctrl+Shift+C)"
          >
            Copy
          </button>
          <button
            type="button"
            class="btn btn--small"
            disabled={!!exit()}
            onClick={() => pasteFn()}
            title="Paste (Ctrl+Shift+V)"
          >
            Paste
          </button>
          <button type="button" class="btn btn--small btn--danger-ghost" onClick={close}>
            Close
          </button>
        </span>
      </header>
      <Show when={notice()}>
        <p class="term__notice" role="alert">
          {notice()}
        </p>
      </Show>
      <Show when={error()}>
        <p class="term__notice" role="alert">
          {error()}
        </p>
      </Show>
      <div class="term__screen" ref={host} />
    </section>
  );
}
