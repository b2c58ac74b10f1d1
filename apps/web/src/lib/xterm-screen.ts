import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

/** What the terminal panel needs from a terminal emulator (xterm.js in the page, a stand-in in component tests). */
export interface Screen {
  write(data: string): void;
  /** Clears the screen and the scrollback (before a replay). */
  reset(): void;
  onData(fn: (data: string) => void): void;
  onResize(fn: (cols: number, rows: number) => void): void;
  /** Fits the grid to the container (cols × rows). */
  fit(): void;
  /** Sets the grid to another viewer's size (the PTY's). */
  resizeTo(cols: number, rows: number): void;
  readonly cols: number;
  readonly rows: number;
  getSelection(): string;
  /** Types text as a paste (bracketed when the program asked for it). */
  paste(text: string): void;
  setReadOnly(readOnly: boolean): void;
  focus(): void;
  dispose(): void;
}

export type ScreenFactory = (
  host: HTMLElement,
  opts: { onCopyKey: () => void; onPasteKey: () => void },
) => Screen;

const SCROLLBACK_LINES = 10_000;

/** xterm.js in `host`: fit and web-links addons, 10 000 lines of scrollback, Ctrl+Shift+C / Ctrl+Shift+V. */
export const xtermScreen: ScreenFactory = (host, opts) => {
  const term = new Terminal({
    scrollback: SCROLLBACK_LINES,
    cursorBlink: true,
    convertEol: false,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 13,
    // The accessibility tree mirrors the rows for screen readers (and lets tests read what was rendered).
    screenReaderMode: false,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new WebLinksAddon());
  term.attachCustomKeyEventHandler((e) => {
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    if (e.code === 'KeyC') {
      opts.onCopyKey();
      return false;
    }
    if (e.code === 'KeyV') {
      opts.onPasteKey();
      return false;
    }
    return true;
  });
  term.open(host);
  return {
    write: (data) => term.write(data),
    reset: () => term.reset(),
    onData: (fn) => void term.onData(fn),
    onResize: (fn) => void term.onResize(({ cols, rows }) => fn(cols, rows)),
    fit: () => {
      // A hidden or zero-sized container has no grid to fit to.
      if (host.clientWidth > 0 && host.clientHeight > 0) fit.fit();
    },
    resizeTo: (cols, rows) => {
      if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
    },
    get cols() {
      return term.cols;
    },
    get rows() {
      return term.rows;
    },
    getSelection: () => term.getSelection(),
    paste: (text) => term.paste(text),
    setReadOnly: (readOnly) => {
      term.options.disableStdin = readOnly;
    },
    focus: () => term.focus(),
    dispose: () => term.dispose(),
  };
};
