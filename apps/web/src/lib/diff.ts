import { diffArrays } from 'diff';

export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** 1-based line numbers in the old and new text (null where the line does not exist). */
  oldNo: number | null;
  newNo: number | null;
}

/** Beyond this many changed lines the diff is not searched for: "all removed, all added" (huge rewrites). */
const MAX_EDIT_LENGTH = 5_000;

/**
 * Line diff (jsdiff's Myers diff over the lines, compared exactly); falls back to "all removed, all added" when
 * the texts differ in more than MAX_EDIT_LENGTH lines.
 */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = oldText === '' ? [] : oldText.split('\n');
  const b = newText === '' ? [] : newText.split('\n');
  const changes = diffArrays(a, b, { maxEditLength: MAX_EDIT_LENGTH }) ?? [
    { value: a, removed: true, added: false, count: a.length },
    { value: b, removed: false, added: true, count: b.length },
  ];
  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  for (const c of changes) {
    for (const text of c.value) {
      if (c.added) out.push({ kind: 'add', text, oldNo: null, newNo: ++newNo });
      else if (c.removed) out.push({ kind: 'del', text, oldNo: ++oldNo, newNo: null });
      else out.push({ kind: 'same', text, oldNo: ++oldNo, newNo: ++newNo });
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** How to present a tool call's input. */
export type ToolView =
  | { kind: 'edit'; filePath: string | null; edits: Array<{ oldText: string; newText: string }> }
  | { kind: 'write'; filePath: string | null; content: string }
  | { kind: 'bash'; command: string; description: string | null }
  | { kind: 'generic' };

export function toolViewOf(tool: string, input: unknown): ToolView {
  if (!isObj(input)) return { kind: 'generic' };
  const filePath = s(input.file_path) ?? s(input.path) ?? s(input.filePath);
  if ((tool === 'Edit' || tool === 'replace') && s(input.old_string ?? input.oldString) !== null) {
    return {
      kind: 'edit',
      filePath,
      edits: [
        {
          oldText: s(input.old_string ?? input.oldString) ?? '',
          newText: s(input.new_string ?? input.newString) ?? '',
        },
      ],
    };
  }
  if (tool === 'MultiEdit' && Array.isArray(input.edits)) {
    return {
      kind: 'edit',
      filePath,
      edits: input.edits
        .filter(isObj)
        .map((e) => ({ oldText: s(e.old_string) ?? '', newText: s(e.new_string) ?? '' })),
    };
  }
  if ((tool === 'Write' || tool === 'write_file') && s(input.content) !== null) {
    return { kind: 'write', filePath, content: s(input.content) ?? '' };
  }
  const command = s(input.command) ?? (Array.isArray(input.command) ? input.command.join(' ') : null);
  if (
    (tool === 'Bash' || tool === 'run_shell_command' || tool === 'shell' || tool === 'exec_command') &&
    command !== null
  ) {
    return { kind: 'bash', command, description: s(input.description) };
  }
  return { kind: 'generic' };
}
