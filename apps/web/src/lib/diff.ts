export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** 1-based line numbers in the old and new text (null where the line does not exist). */
  oldNo: number | null;
  newNo: number | null;
}

const MAX_CELLS = 400_000;

/** Line diff by longest common subsequence; falls back to "all removed, all added" for huge inputs. */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = oldText === '' ? [] : oldText.split('\n');
  const b = newText === '' ? [] : newText.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [
      ...a.map((text, i): DiffLine => ({ kind: 'del', text, oldNo: i + 1, newNo: null })),
      ...b.map((text, j): DiffLine => ({ kind: 'add', text, oldNo: null, newNo: j + 1 })),
    ];
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..], stored flat.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, oldNo: i + 1, newNo: j + 1 });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      out.push({ kind: 'del', text: a[i]!, oldNo: i + 1, newNo: null });
      i++;
    } else {
      out.push({ kind: 'add', text: b[j]!, oldNo: null, newNo: j + 1 });
      j++;
    }
  }
  while (i < n) {
    out.push({ kind: 'del', text: a[i]!, oldNo: i + 1, newNo: null });
    i++;
  }
  while (j < m) {
    out.push({ kind: 'add', text: b[j]!, oldNo: null, newNo: j + 1 });
    j++;
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
