import type { PendingApproval, Session } from '@flightdeck/shared-types';
import { isRemoteHost } from './hosts.js';
import { getOwn } from './pmap.js';
import { logEvent, setStatus } from './state-machine.js';
import type { Tx } from './tx.js';
import type { ApprovalCategory, HeuristicWatch, HookMeta } from './types.js';

/** Spec §6.1: the approval-heuristic category of each tool, its timeout and the status it leads to. */
export const APPROVAL_CATEGORIES: Record<
  ApprovalCategory,
  { tools: string[]; ms: number; status: 'approval' | 'input' }
> = {
  fast: {
    tools: ['Read', 'Write', 'Edit', 'Grep', 'Glob', 'NotebookEdit', 'MultiEdit', 'apply_patch'],
    ms: 3_000,
    status: 'approval',
  },
  userInput: { tools: ['AskUserQuestion', 'EnterPlanMode', 'ExitPlanMode'], ms: 3_000, status: 'input' },
  medium: { tools: ['WebFetch', 'WebSearch'], ms: 15_000, status: 'approval' },
  slow: { tools: ['Bash', 'PowerShell', 'Task', 'Agent'], ms: 8_000, status: 'approval' },
};

/** A Map: a tool named `constructor` or `toString` has no category (a plain object would answer a function). */
const CATEGORY_OF = new Map<string, ApprovalCategory>();
for (const [cat, def] of Object.entries(APPROVAL_CATEGORIES)) {
  for (const t of def.tools) CATEGORY_OF.set(t, cat as ApprovalCategory);
}

/** Category of a tool, or null for tools without a heuristic timer. */
export function approvalCategory(tool: string): ApprovalCategory | null {
  return CATEGORY_OF.get(tool) ?? null;
}

/** Tools that wait for the user's answer rather than for a permission. */
export function isUserInputTool(tool: string): boolean {
  return CATEGORY_OF.get(tool) === 'userInput';
}

/** Spec §6.1 waiting-detail labels. */
export function waitingLabel(kind: 'approval' | 'input', tool: string, inputSummary: string): string {
  if (kind === 'input') {
    if (tool === 'EnterPlanMode') return 'Review plan mode request';
    if (tool === 'ExitPlanMode') return 'Review plan';
    return 'Waiting for your answer';
  }
  return inputSummary === '' ? `Approve ${tool}` : `Approve ${tool}: ${inputSummary}`;
}

/**
 * Whether the timeout heuristic may run for a session (rule documented in the README):
 * - never for subagent tool calls (the parent's status follows the main agent only);
 * - userInput tools (AskUserQuestion, plan mode) always: they wait for an answer whatever the density;
 * - otherwise skipped once the session has sent a direct signal (PermissionRequest, or Gemini's
 *   Notification/ToolPermission) or reports `meta.permissionRequestHooked` (Claude/Codex), when the hook reports `meta.density` high or medium for Claude/Codex (those
 *   densities register PermissionRequest), and in `bypassPermissions`/`dontAsk` mode (nothing is asked).
 */
export function heuristicApplies(
  session: Session,
  runtime: { approvalSignal: boolean; density: string | null },
  category: ApprovalCategory,
): boolean {
  if (category === 'userInput') return true;
  if (runtime.approvalSignal) return false;
  if (session.cli !== 'gemini' && (runtime.density === 'high' || runtime.density === 'medium')) return false;
  if (session.permissionMode === 'bypassPermissions' || session.permissionMode === 'dontAsk') return false;
  return true;
}

/** Reads the hook density from the (passthrough) meta, if the hook reported one. */
export function densityOf(meta: HookMeta): string | null {
  const d = (meta as Record<string, unknown>).density;
  return typeof d === 'string' ? d : null;
}

/** Starts the heuristic timer for a main-agent PreToolUse, if its category has one. */
export function startHeuristic(tx: Tx, id: string, watch: Omit<HeuristicWatch, 'category'>): void {
  const s = tx.session(id);
  if (!s) return;
  const category = approvalCategory(watch.tool);
  if (category === null || !heuristicApplies(s, tx.runtime(id), category)) {
    clearHeuristic(tx, id);
    return;
  }
  tx.armSessionTimer(id, 'approval', tx.now + APPROVAL_CATEGORIES[category].ms);
  tx.patchRuntime(id, { heuristic: { ...watch, category }, childCheck: null });
}

/** Cancels a pending heuristic timer / children check (PostToolUse, PermissionRequest, Stop, …). */
export function clearHeuristic(tx: Tx, id: string): void {
  tx.cancelSessionTimer(id, 'approval');
  const rt = getOwn(tx.state.runtime, id);
  if (rt && (rt.heuristic !== null || rt.childCheck !== null))
    tx.patchRuntime(id, { heuristic: null, childCheck: null });
}

function stillRunning(session: Session, watch: HeuristicWatch): boolean {
  if (session.status !== 'working') return false;
  for (let i = session.toolLog.length - 1; i >= 0; i--) {
    const t = session.toolLog[i]!;
    if (t.agentId !== null || t.status !== 'running') continue;
    if (watch.toolUseId !== null ? t.toolUseId === watch.toolUseId : t.tool === watch.tool) return true;
  }
  return false;
}

/** Puts the session into approval/input for `watch`, from the heuristic. */
function enterWaitFromHeuristic(tx: Tx, id: string, watch: HeuristicWatch, trigger: string): void {
  const kind = APPROVAL_CATEGORIES[watch.category].status;
  const detail = waitingLabel(kind, watch.tool, watch.inputSummary);
  const pending: PendingApproval = {
    tool: watch.tool,
    toolInput: watch.toolInput,
    toolUseId: watch.toolUseId,
    detail,
    since: tx.now,
    source: 'heuristic',
    kind,
    agentId: null,
    suggestions: [],
    id: null,
    decidable: false,
  };
  setStatus(tx, id, kind, 'timer', trigger, detail);
  tx.patch(id, { pendingApproval: pending, waitingDetail: detail });
  logEvent(tx, id, trigger, detail, tx.now);
}

/** The heuristic timer fired (its key was current). */
export function fireHeuristic(tx: Tx, id: string): void {
  const rt = tx.runtime(id);
  const watch = rt.heuristic;
  const timers = { ...rt.timers };
  delete timers.approval;
  tx.patchRuntime(id, { timers, heuristic: null });
  const s = tx.session(id);
  if (!s || !watch || !stillRunning(s, watch)) return;
  if (watch.category === 'slow' && s.pid !== null && !isRemoteHost(tx.state, s.host)) {
    // A slow tool may simply be running: ask the shell whether the agent has child processes.
    const key = tx.nextKey('approval', id);
    tx.patchRuntime(id, { childCheck: { ...watch, key } });
    tx.emit({ type: 'check-children', sessionId: id, pid: s.pid, key });
    return;
  }
  enterWaitFromHeuristic(tx, id, watch, 'approval-heuristic');
}

/** The shell answered a `check-children` effect. */
export function childrenChecked(tx: Tx, id: string, key: string, hasChildren: boolean): boolean {
  const rt = getOwn(tx.state.runtime, id);
  const watch = rt?.childCheck;
  if (!rt || !watch || watch.key !== key) return false;
  tx.patchRuntime(id, { childCheck: null });
  const s = tx.session(id);
  if (hasChildren || !s || !stillRunning(s, watch)) return true;
  const { key: _k, ...w } = watch;
  enterWaitFromHeuristic(tx, id, w, 'approval-heuristic');
  return true;
}
