import type { ApprovalQuestion, ApprovalRendering } from './approvals.js';

/** Longest text a rendering carries (the input itself is in `ApprovalView.toolInput`). */
export const MAX_RENDERING_TEXT = 20_000;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function clip(s: string): string {
  return s.length > MAX_RENDERING_TEXT ? `${s.slice(0, MAX_RENDERING_TEXT)}…` : s;
}

function json(v: unknown): string {
  try {
    return clip(JSON.stringify(v, null, 2) ?? '');
  } catch {
    return '';
  }
}

function questionsOf(v: unknown): ApprovalQuestion[] {
  if (!Array.isArray(v)) return [];
  const out: ApprovalQuestion[] = [];
  for (const raw of v) {
    const q = obj(raw);
    const question = str(q.question);
    if (question === null) continue;
    const options = Array.isArray(q.options)
      ? q.options.flatMap((o) => {
          const opt = obj(o);
          const label = str(opt.label);
          if (label === null) return [];
          const description = str(opt.description);
          return [description === null ? { label } : { label, description }];
        })
      : [];
    const item: ApprovalQuestion = { question, options };
    const header = str(q.header);
    if (header !== null) item.header = header;
    if (typeof q.multiSelect === 'boolean') item.multiSelect = q.multiSelect;
    out.push(item);
  }
  return out;
}

/** What a plan approval says when the request carries no plan. */
export const PLAN_IN_TERMINAL =
  'The plan is shown in the terminal (Claude Code does not send it with the request).';

/**
 * A readable rendering of what a tool asks to do (pure: the server and the dashboard share it): the command of
 * Bash, a diff for Edit / MultiEdit / Write, the URL of WebFetch, the questions of AskUserQuestion, the plan of
 * ExitPlanMode, else the input as JSON. Names are the display names (Gemini tools mapped to Claude's).
 */
export function renderApproval(tool: string, input: unknown): ApprovalRendering {
  const o = obj(input);
  const path = str(o.file_path) ?? str(o.path) ?? str(o.notebook_path);
  switch (tool) {
    case 'Bash':
    case 'PowerShell': {
      const command = str(o.command);
      if (command !== null) return { kind: 'command', title: `${tool} wants to run`, text: clip(command) };
      break;
    }
    case 'Edit': {
      const before = str(o.old_string);
      const after = str(o.new_string);
      if (path !== null && before !== null && after !== null)
        return {
          kind: 'diff',
          title: `Edit ${path}`,
          text: path,
          diff: { path, before: clip(before), after: clip(after) },
        };
      break;
    }
    case 'MultiEdit': {
      if (path !== null && Array.isArray(o.edits)) {
        const edits = o.edits.map(obj);
        const before = edits.map((e) => str(e.old_string) ?? '').join('\n…\n');
        const after = edits.map((e) => str(e.new_string) ?? '').join('\n…\n');
        return {
          kind: 'diff',
          title: `MultiEdit ${path} (${edits.length} edit${edits.length === 1 ? '' : 's'})`,
          text: path,
          diff: { path, before: clip(before), after: clip(after) },
        };
      }
      break;
    }
    case 'Write': {
      const content = str(o.content);
      if (path !== null && content !== null)
        return {
          kind: 'diff',
          title: `Write ${path}`,
          text: path,
          diff: { path, before: '', after: clip(content) },
        };
      break;
    }
    case 'WebFetch': {
      const url = str(o.url);
      if (url !== null) return { kind: 'url', title: `WebFetch ${clip(url)}`, text: clip(url) };
      break;
    }
    case 'WebSearch': {
      const query = str(o.query);
      if (query !== null) return { kind: 'url', title: 'WebSearch', text: clip(query) };
      break;
    }
    case 'AskUserQuestion': {
      const questions = questionsOf(o.questions);
      if (questions.length > 0)
        return {
          kind: 'question',
          title: questions.length === 1 ? 'A question for you' : `${questions.length} questions for you`,
          text: questions.map((q) => q.question).join('\n'),
          questions,
        };
      break;
    }
    case 'ExitPlanMode': {
      const plan = str(o.plan);
      if (plan !== null) return { kind: 'plan', title: 'Review the plan', text: clip(plan) };
      // Claude Code 2.1.328 sends ExitPlanMode with an empty input (the plan stays in its terminal).
      return { kind: 'plan', title: 'Review the plan', text: PLAN_IN_TERMINAL };
    }
  }
  return { kind: 'json', title: path === null ? tool : `${tool} ${path}`, text: json(input) };
}
