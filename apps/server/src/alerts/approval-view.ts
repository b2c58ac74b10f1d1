/**
 * The approval a push carries, built from the session's pending approval. The approvals module renders approvals
 * in full (`approvals.list`); this is the small rendering the alert channels fall back to when given no renderer.
 */
import type { ApprovalRendering, ApprovalView, Session } from '@flightdeck/shared-types';

function field(input: unknown, key: string): string | null {
  if (input === null || typeof input !== 'object') return null;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

function render(tool: string, input: unknown): ApprovalRendering {
  const command = field(input, 'command');
  if (command !== null) return { kind: 'command', title: `${tool} wants to run`, text: command };
  const url = field(input, 'url');
  if (url !== null) return { kind: 'url', title: `${tool} ${url}`, text: url };
  const path = field(input, 'file_path');
  if (path !== null) return { kind: 'json', title: `${tool} ${path}`, text: JSON.stringify(input, null, 2) };
  return { kind: 'json', title: tool, text: JSON.stringify(input ?? null, null, 2) ?? '' };
}

/** The view of the session's pending approval `approvalId`, or null when it is not pending any more. */
export function approvalViewOf(s: Session | undefined, approvalId: string): ApprovalView | null {
  const p = s?.pendingApproval;
  if (!s || !p || p.id !== approvalId) return null;
  return {
    id: approvalId,
    sessionId: s.sessionId,
    cli: s.cli,
    project: s.projectName || null,
    sessionTitle: s.title || null,
    tool: p.tool,
    kind: p.kind,
    agentId: p.agentId,
    rendering: render(p.tool, p.toolInput),
    toolInput: p.toolInput,
    suggestions: p.suggestions,
    since: p.since,
    decidable: p.decidable,
    notDecidableReason: p.decidable ? null : 'Answer in the terminal',
  };
}
