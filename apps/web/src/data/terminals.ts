/**
 * The `terminals` namespace as the web app uses it (issue 16): the shapes come from `@flightdeck/shared-types`
 * (`TerminalInfo`, `TerminalOutputMessage`), the create input from the server's router.
 */
import type { TerminalInfo, TerminalOutputMessage } from '@flightdeck/shared-types';
import type { ServerInputs, ServerOutputs } from './types.js';

export type { TerminalInfo, TerminalKind, TerminalOutputMessage } from '@flightdeck/shared-types';

/** The size a terminal starts with; its panel fits it to its box and resizes it at once. */
export const INITIAL_SIZE = { cols: 100, rows: 30 } as const;

/** What `terminals.create` takes. */
export type TerminalCreate = ServerInputs['terminals']['create'];

/** What `terminals.launch` takes (an agent CLI in a directory, its first prompt, tmux, permission mode, env). */
export type TerminalLaunch = ServerInputs['terminals']['launch'];

/** Whether the server finds each agent CLI (`terminals.clis`). */
export type AgentCliStatus = ServerOutputs['terminals']['clis'][number];

/**
 * A refused launch or resume, by field: the server names the field first in its messages (`cwd: not a directory`)
 * and in its input issues (`zodIssues[].path`). `field` is null when the message names none.
 */
export interface FieldError {
  field: string | null;
  message: string;
}

/** The fields a refusal names (input issues first, else the `<field>: ` the message starts with). */
export function fieldErrors(err: unknown): FieldError[] {
  const data = (err as { data?: { zodIssues?: Array<{ path: string; message: string }> | null } } | null)
    ?.data;
  const issues = data?.zodIssues ?? [];
  if (issues.length > 0)
    return issues.map((i) => ({ field: i.path.split('.')[0] || null, message: i.message }));
  const message = err instanceof Error ? err.message : String(err);
  const named = /^([A-Za-z]+): /.exec(message);
  return [{ field: named?.[1] ?? null, message }];
}

/** How a keystroke call ended: taken, or refused because another viewer types (`conflict`, the server's words). */
export type TerminalInputResult = { ok: true } | { ok: false; conflict: string };

export interface TerminalsApi {
  terminals(): Promise<TerminalInfo[]>;
  createTerminal(input: TerminalCreate): Promise<TerminalInfo>;
  closeTerminal(id: string): Promise<void>;
  /** Starts an agent CLI in a new terminal (`terminals.launch`); refusals name their field (see `fieldErrors`). */
  launchTerminal(input: TerminalLaunch): Promise<TerminalInfo>;
  /** `claude --resume <id>` of a past Claude session in a new terminal; the session keeps its card. */
  resumeTerminal(sessionId: string): Promise<TerminalInfo>;
  /** Which agent CLIs the server would find. */
  agentClis(): Promise<AgentCliStatus[]>;
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
