/**
 * The `terminals` namespace as the web app uses it (contract of issue 16). Until the server's router has the
 * namespace these shapes are written here; they follow `packages/shared-types/src/terminals.ts`.
 */
/** The size a terminal starts with; its panel fits it to its box and resizes it at once. */
export const INITIAL_SIZE = { cols: 100, rows: 30 } as const;

export type TerminalKind = 'local' | 'ssh' | 'tmux';

export interface TerminalInfo {
  id: string;
  kind: TerminalKind;
  title: string;
  cwd: string | null;
  command: string | null;
  tmuxTarget: string | null;
  host: string | null;
  pid: number | null;
  cols: number;
  rows: number;
  createdAt: number;
  exit: { code: number | null; signal: number | null; at: number } | null;
  /** The viewer that types now (one at a time), or null. */
  writer: string | null;
  viewers: number;
  /** The agent session linked to it, when known. */
  sessionId: string | null;
}

export interface TerminalCreate {
  kind: TerminalKind;
  cwd?: string;
  command?: string;
  host?: string;
  tmuxTarget?: string;
  cols: number;
  rows: number;
  env?: Record<string, string>;
}

/**
 * One message of `terminals.output` (the payload of each tracked id). `hello` comes first and again after a resync
 * (a viewer that fell too far behind): with `resumed: false` the screen is reset and the replay of the buffer
 * follows; `resumed: true` (a reconnect whose `lastEventId` is still in the buffer) means only what was missed
 * follows.
 */
export type TerminalOutputMessage =
  | { type: 'hello'; viewerId: string; resumed: boolean; info: TerminalInfo }
  | { type: 'data'; data: string }
  | { type: 'info'; info: TerminalInfo }
  | { type: 'exit'; code: number | null; signal: number | null };

/** How a keystroke call ended: taken, or refused because another viewer types (`conflict`, the server's words). */
export type TerminalInputResult = { ok: true } | { ok: false; conflict: string };

export interface TerminalsApi {
  terminals(): Promise<TerminalInfo[]>;
  createTerminal(input: TerminalCreate): Promise<TerminalInfo>;
  closeTerminal(id: string): Promise<void>;
  resizeTerminal(id: string, cols: number, rows: number): Promise<void>;
  terminalInput(id: string, viewerId: string, data: string): Promise<TerminalInputResult>;
  takeoverTerminal(id: string, viewerId: string): Promise<void>;
  /** Output of one terminal: replay, then live, resumed after a reconnect (tracked ids). Returns the unsubscribe. */
  terminalOutput(
    id: string,
    viewerId: string,
    handlers: {
      onMessage: (msg: TerminalOutputMessage, id: string | null) => void;
      onError: (message: string) => void;
      onState?: (state: 'live' | 'reconnecting') => void;
    },
  ): () => void;
}
