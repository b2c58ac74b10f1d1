import type { ApprovalView } from '../data/types.js';

/** Cuts `text` to `max` characters on one line, with an ellipsis. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What the agent asks, in one line: "Bash wants to run `npm publish`", "Edit src/a.ts", "WebFetch https://…".
 * The service worker (public/sw.js) words a push message the same way.
 */
export function approvalHeadline(a: Pick<ApprovalView, 'rendering' | 'tool' | 'kind'>): string {
  const r = a.rendering;
  if (r.kind === 'command') return `${r.title} \`${oneLine(r.text, 60)}\``;
  if (r.kind === 'question') return oneLine(r.questions?.[0]?.question ?? r.title, 90);
  return oneLine(r.title || a.tool, 90);
}

/** Which session asks: "project x · Fix the login" (the project, then the session's title when it has one). */
export function approvalWhere(a: Pick<ApprovalView, 'project' | 'sessionTitle' | 'sessionId'>): string {
  const project = a.project ? `project ${a.project}` : `session ${a.sessionId.slice(0, 8)}`;
  return a.sessionTitle ? `${project} · ${oneLine(a.sessionTitle, 60)}` : project;
}

/** The server's words for a refused decision, as a sentence: "already answered in the terminal" → "Already…". */
export function sentence(text: string): string {
  const t = text.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : t;
}
