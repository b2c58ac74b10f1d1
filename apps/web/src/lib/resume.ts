/**
 * "Resume in terminal" (issue 16): `claude --resume <id>` of an ended or idle Claude session in a new Flightdeck
 * terminal (`terminals.resume`; the server keeps the one card and its lineage). Offered only when the session is not
 * linked to a terminal that still runs: two processes must not share a session (the server refuses that too).
 */
import type { SessionStatus } from '@flightdeck/shared-types';
import { createResource, onCleanup } from 'solid-js';
import type { TerminalInfo } from '../data/terminals.js';

/** A Claude session id as `claude --resume` takes it (the server's `CLAUDE_SESSION_ID`, kept out of the bundle). */
const CLAUDE_SESSION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const RESUMABLE: readonly SessionStatus[] = ['ended', 'idle'];

/** How often a linked terminal is checked again while it still runs (it may exit after the session ended). */
const RECHECK_MS = 5000;

export interface ResumeFields {
  sessionId: string;
  cli: string;
  status: SessionStatus;
  terminalId: string | null;
}

/** Whether the session could be resumed, its linked terminal aside. */
export function resumableSession(s: ResumeFields): boolean {
  return s.cli === 'claude' && RESUMABLE.includes(s.status) && CLAUDE_SESSION_ID.test(s.sessionId);
}

/**
 * True when `session()` can be resumed in a terminal now: resumable, and its linked terminal (if any) is not
 * running (asked from `terminals()`, again every few seconds while it runs).
 */
export function createCanResume(
  session: () => ResumeFields | undefined,
  terminals: () => Promise<TerminalInfo[]>,
): () => boolean {
  const linked = () => {
    const s = session();
    return s && resumableSession(s) && s.terminalId !== null ? s.terminalId : false;
  };
  const [running, { refetch }] = createResource(linked, async (id) =>
    (await terminals().catch(() => [])).some((t) => t.id === id && t.exit === null),
  );
  const timer = setInterval(() => {
    if (linked() && running.latest === true) void refetch();
  }, RECHECK_MS);
  onCleanup(() => clearInterval(timer));
  return () => {
    const s = session();
    if (!s || !resumableSession(s)) return false;
    // Linked: only once the terminal is known not to run (not while asking).
    return s.terminalId === null || running.latest === false;
  };
}
