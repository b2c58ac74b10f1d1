/**
 * Pending approvals as the dashboard sees them (`ApprovalView`), kept per session as the runtime applies batches,
 * and their changes as a resumable stream (`approvals.live`): a snapshot, then `opened` / `closed` messages, each
 * with a sequence number; a client that reconnects with the last id it saw gets what it missed (or a snapshot).
 *
 * A held approval (its hook waits on a FIFO) is decidable; a wait that is not held (Gemini, a heuristic guess, a
 * PermissionRequest without a held hook, one that timed out) is listed too, not decidable, with where to answer.
 */
import { randomUUID } from 'node:crypto';
import {
  approvalsOf,
  GEMINI_NOT_DECIDABLE,
  getOwn,
  type HeldApproval,
  NOT_DECIDABLE_TOOLS,
  valuesOf,
} from '@flightdeck/core';
import {
  type ApprovalDecisionRecord,
  type ApprovalLiveMessage,
  type ApprovalOutcome,
  type ApprovalView,
  renderApproval,
  type Session,
} from '@flightdeck/shared-types';
import type { CoreState } from './ports.js';

/** Messages kept for clients that resume. */
const HISTORY = 1000;
/** Messages queued for a slow subscriber before it is sent a snapshot instead. */
const QUEUE_MAX = 1000;

function reasonNotDecidable(s: Session): string {
  const p = s.pendingApproval;
  if (s.cli === 'gemini') return GEMINI_NOT_DECIDABLE;
  if (p && Object.hasOwn(NOT_DECIDABLE_TOOLS, p.tool)) return NOT_DECIDABLE_TOOLS[p.tool] as string;
  if (p?.source === 'heuristic')
    return 'Guessed from a tool call that did not finish: answer in the terminal';
  if (p?.id) return 'No longer held by Flightdeck: answer in the terminal';
  return 'The hook is not held (older hooks, or no Flightdeck server was reading): answer in the terminal';
}

function heldView(s: Session, a: HeldApproval): ApprovalView {
  const p = a.pending;
  return {
    id: a.id,
    sessionId: s.sessionId,
    cli: s.cli,
    project: s.projectName,
    sessionTitle: s.title,
    tool: a.tool,
    kind: p.kind,
    agentId: a.agentId,
    rendering: renderApproval(a.tool, p.toolInput),
    toolInput: p.toolInput,
    suggestions: p.suggestions,
    since: a.openedAt,
    decidable: true,
    notDecidableReason: null,
  };
}

/** The views of one session: its held approvals, and its wait when that is not one of them. */
export function sessionApprovalViews(state: CoreState, s: Session): ApprovalView[] {
  const out: ApprovalView[] = [];
  if (s.status === 'ended') return out;
  for (const a of Object.values(approvalsOf(state).open))
    if (a.sessionId === s.sessionId) out.push(heldView(s, a));
  const p = s.pendingApproval;
  const waiting = s.status === 'approval' || s.status === 'input';
  if (p && waiting && !out.some((v) => v.id === p.id)) {
    out.push({
      id: p.id ?? `pending:${s.sessionId}`,
      sessionId: s.sessionId,
      cli: s.cli,
      project: s.projectName,
      sessionTitle: s.title,
      tool: p.tool,
      kind: p.kind,
      agentId: p.agentId,
      rendering: renderApproval(p.tool, p.toolInput),
      toolInput: p.toolInput,
      suggestions: p.suggestions,
      since: p.since,
      decidable: false,
      notDecidableReason: reasonNotDecidable(s),
    });
  }
  return out;
}

type Seqd = ApprovalLiveMessage & { seq: number };

export interface ApprovalsSubscriber {
  /** Waits for messages (null: closed; 'resync': too far behind, send a snapshot). */
  next(signal?: AbortSignal): Promise<Seqd[] | 'resync' | null>;
  close(): void;
}

export interface ApprovalsHub {
  /** Pending approvals, oldest first. */
  list(): ApprovalView[];
  get(id: string): ApprovalView | undefined;
  /** After a batch: re-reads the changed sessions' approvals, broadcasts what opened and closed. */
  update(
    changed: Iterable<string>,
    removed: Iterable<string>,
    closed: readonly ApprovalDecisionRecord[],
  ): void;
  snapshot(): { seq: number; message: ApprovalLiveMessage };
  /** Messages after `seq`, or null when they are not all kept (or the id is from another server run). */
  since(seq: number): Seqd[] | null;
  eventId(seq: number): string;
  parseEventId(id: string | null | undefined): number | null;
  subscribe(): ApprovalsSubscriber;
  close(): void;
}

export function createApprovalsHub(state: () => CoreState): ApprovalsHub {
  const epoch = randomUUID().slice(0, 8);
  const bySession = new Map<string, ApprovalView[]>();
  const byId = new Map<string, ApprovalView>();
  const history: Seqd[] = [];
  const subs = new Set<{ queue: Seqd[]; overflow: boolean; wake: (() => void) | null }>();
  let seq = 0;
  let closedHub = false;

  function publish(msg: ApprovalLiveMessage) {
    seq += 1;
    const m = { ...msg, seq } as Seqd;
    history.push(m);
    if (history.length > HISTORY) history.splice(0, history.length - HISTORY);
    for (const s of subs) {
      if (s.queue.length >= QUEUE_MAX) s.overflow = true;
      else s.queue.push(m);
      s.wake?.();
    }
  }

  function setSession(
    id: string,
    views: ApprovalView[],
    outcomes: Map<string, ApprovalOutcome>,
    ended: boolean,
  ) {
    const prev = bySession.get(id) ?? [];
    const next = new Map(views.map((v) => [v.id, v]));
    for (const v of prev) {
      if (next.get(v.id)?.decidable === v.decidable) continue;
      byId.delete(v.id);
      const outcome = outcomes.get(v.id) ?? (ended ? 'session_ended' : 'terminal');
      publish({ type: 'closed', id: v.id, sessionId: id, outcome });
    }
    const before = new Map(prev.map((v) => [v.id, v]));
    for (const v of views) {
      byId.set(v.id, v);
      if (before.get(v.id)?.decidable !== v.decidable) publish({ type: 'opened', approval: v });
    }
    if (views.length > 0) bySession.set(id, views);
    else bySession.delete(id);
  }

  // The state loaded at start (a checkpoint, before the replay): its waits, without messages.
  for (const s of valuesOf(state().sessions)) {
    const views = sessionApprovalViews(state(), s);
    if (views.length === 0) continue;
    bySession.set(s.sessionId, views);
    for (const v of views) byId.set(v.id, v);
  }

  const list = () => [...byId.values()].sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1));

  return {
    list,
    get: (id) => byId.get(id),
    update(changed, removed, closed) {
      const st = state();
      const outcomes = new Map(closed.map((r) => [r.id, r.outcome]));
      const touched = new Set<string>(closed.map((r) => r.sessionId));
      for (const id of changed) touched.add(id);
      for (const id of removed) setSession(id, [], outcomes, true);
      for (const id of touched) {
        const s = getOwn(st.sessions, id);
        setSession(id, s ? sessionApprovalViews(st, s) : [], outcomes, !s || s.status === 'ended');
      }
    },
    snapshot: () => ({ seq, message: { type: 'snapshot', approvals: list() } }),
    since(from) {
      if (from === seq) return [];
      if (from > seq) return null;
      const first = history[0];
      if (!first || first.seq > from + 1) return null;
      return history.filter((m) => m.seq > from);
    },
    eventId: (n) => `${epoch}:${n}`,
    parseEventId(id) {
      if (typeof id !== 'string') return null;
      const m = /^([0-9a-f]{8}):(\d{1,15})$/.exec(id);
      return m && m[1] === epoch ? Number(m[2]) : null;
    },
    subscribe() {
      const sub = { queue: [] as Seqd[], overflow: false, wake: null as (() => void) | null };
      subs.add(sub);
      return {
        async next(signal) {
          for (;;) {
            if (closedHub || signal?.aborted) return null;
            if (sub.overflow) {
              sub.overflow = false;
              sub.queue = [];
              return 'resync';
            }
            if (sub.queue.length > 0) {
              const out = sub.queue;
              sub.queue = [];
              return out;
            }
            await new Promise<void>((wake) => {
              sub.wake = wake;
              signal?.addEventListener('abort', () => wake(), { once: true });
            });
            sub.wake = null;
          }
        },
        close() {
          subs.delete(sub);
          sub.wake?.();
        },
      };
    },
    close() {
      closedHub = true;
      for (const s of subs) s.wake?.();
      subs.clear();
    },
  };
}
