import { createMemo, createSignal } from 'solid-js';
import type { Api, ApprovalDecision, ApprovalLiveMessage, ApprovalView } from '../data/types.js';
import { sentence } from '../lib/approvals.js';

/** An approval the user tried to decide after it had closed: shown with the server's words, never decided. */
export interface ClosedNotice {
  approval: ApprovalView;
  text: string;
}

export interface ApprovalsStore {
  /** Pending approvals, oldest first. */
  pending(): ApprovalView[];
  /** True once the first snapshot arrived (approvals that open from then on are announced). */
  loaded(): boolean;
  get(id: string): ApprovalView | undefined;
  /** The oldest pending approval of a session. */
  forSession(sessionId: string): ApprovalView | undefined;
  /** Applies one `approvals.live` message. */
  push(msg: ApprovalLiveMessage): void;
  /** True while a decision on `id` is in flight (its buttons are disabled). */
  busy(id: string): boolean;
  /**
   * Decides once: a second call while the first is in flight does nothing. A refusal (already answered in the
   * terminal, timed out…) becomes a notice with the server's words; any other failure too.
   */
  decide(id: string, decision: ApprovalDecision): Promise<void>;
  /** Refused or failed decisions, newest first, until dismissed. */
  notices(): ClosedNotice[];
  noticeFor(id: string): string | null;
  noticeForSession(sessionId: string): ClosedNotice | undefined;
  dismiss(id: string): void;
  /** Called for each approval that opens after the first snapshot (notifications, sound). */
  onOpened(listener: (a: ApprovalView) => void): () => void;
  /** The tray (every page): open or not, and the approval it puts the keyboard on. */
  trayOpen(): boolean;
  setTrayOpen(open: boolean): void;
  focused(): string | null;
  /** Opens the tray on one approval (a notification was clicked). */
  focus(id: string | null): void;
}

const byAge = (a: ApprovalView, b: ApprovalView) =>
  a.since - b.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createApprovalsStore(
  api: Pick<Api, 'decideApproval'>,
  opts: { onNotice?: (text: string) => void } = {},
): ApprovalsStore {
  const [items, setItems] = createSignal<Record<string, ApprovalView>>({});
  const [inFlight, setInFlight] = createSignal<ReadonlySet<string>>(new Set());
  const [notices, setNotices] = createSignal<ClosedNotice[]>([]);
  const [trayOpen, setTrayOpen] = createSignal(false);
  const [focused, setFocused] = createSignal<string | null>(null);
  const listeners = new Set<(a: ApprovalView) => void>();
  let snapshots = 0;
  const [loaded, setLoaded] = createSignal(false);
  const pending = createMemo(() => Object.values(items()).sort(byAge));

  const opened = (a: ApprovalView) => {
    for (const l of listeners) l(a);
  };
  const remove = (id: string) => {
    if (!Object.hasOwn(items(), id)) return;
    const { [id]: _gone, ...rest } = items();
    setItems(rest);
  };
  const setBusy = (id: string, on: boolean) => {
    const next = new Set(inFlight());
    if (on) next.add(id);
    else next.delete(id);
    setInFlight(next);
  };
  const addNotice = (approval: ApprovalView, text: string) => {
    setNotices([{ approval, text }, ...notices().filter((n) => n.approval.id !== approval.id)].slice(0, 20));
    opts.onNotice?.(text);
  };

  return {
    pending,
    loaded,
    get: (id) => items()[id],
    forSession: (sessionId) => pending().find((a) => a.sessionId === sessionId),
    push(msg) {
      if (msg.type === 'snapshot') {
        const before = items();
        const next: Record<string, ApprovalView> = {};
        for (const a of msg.approvals) next[a.id] = a;
        setItems(next);
        // A resumed stream starts again with a snapshot: the approvals it brings that were not known opened meanwhile.
        if (snapshots++ > 0) for (const a of msg.approvals) if (!Object.hasOwn(before, a.id)) opened(a);
        setLoaded(true);
      } else if (msg.type === 'opened') {
        const known = Object.hasOwn(items(), msg.approval.id);
        setItems({ ...items(), [msg.approval.id]: msg.approval });
        if (!known) opened(msg.approval);
      } else {
        remove(msg.id);
      }
    },
    busy: (id) => inFlight().has(id),
    async decide(id, decision) {
      const approval = items()[id];
      if (!approval || inFlight().has(id)) return;
      setBusy(id, true);
      try {
        const result = await api.decideApproval(id, decision);
        // Closed on the server either way: its `closed` message may still be on its way.
        remove(id);
        if (!result.ok) addNotice(approval, sentence(result.conflict));
      } catch (err) {
        addNotice(
          approval,
          `Could not send the decision: ${err instanceof Error ? err.message : String(err)}`,
        );
      } finally {
        setBusy(id, false);
      }
    },
    notices,
    noticeFor: (id) => notices().find((n) => n.approval.id === id)?.text ?? null,
    noticeForSession: (sessionId) => notices().find((n) => n.approval.sessionId === sessionId),
    dismiss: (id) => setNotices(notices().filter((n) => n.approval.id !== id)),
    onOpened(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    trayOpen,
    setTrayOpen,
    focused,
    focus(id) {
      setFocused(id);
      if (id) setTrayOpen(true);
    },
  };
}
