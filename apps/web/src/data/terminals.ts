/**
 * The `terminals` namespace as the web app uses it (issue 16): the shapes come from `@flightdeck/shared-types`
 * (`TerminalInfo`, `TerminalOutputMessage`), the create input from the server's router.
 */
import type { TerminalInfo, TerminalOutputMessage } from '@flightdeck/shared-types';
import type { ServerInputs } from './types.js';

export type { TerminalInfo, TerminalKind, TerminalOutputMessage } from '@flightdeck/shared-types';

/** The size a terminal starts with; its panel fits it to its box and resizes it at once. */
export const INITIAL_SIZE = { cols: 100, rows: 30 } as const;

/** What `terminals.create` takes. */
export type TerminalCreate = ServerInputs['terminals']['create'];

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
