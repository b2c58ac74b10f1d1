/** Minimal unified diff (line based, 3 lines of context) for `--dry-run` output. */

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { tag: ' ' | '-' | '+'; line: string; a: number; b: number };

export function unifiedDiff(
  oldText: string,
  newText: string,
  oldName: string,
  newName: string,
  context = 3,
): string {
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // Trim the common prefix/suffix, then an LCS table on the (small) middle.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ tag: ' ', line: a[i]!, a: i, b: i });
  if (am.length * bm.length > 4_000_000) {
    am.forEach((line, i) => {
      ops.push({ tag: '-', line, a: pre + i, b: pre });
    });
    bm.forEach((line, j) => {
      ops.push({ tag: '+', line, a: pre + am.length, b: pre + j });
    });
  } else {
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--) {
      for (let j = bm.length - 1; j >= 0; j--) {
        lcs[i * w + j] =
          am[i] === bm[j]
            ? lcs[(i + 1) * w + j + 1]! + 1
            : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        ops.push({ tag: ' ', line: am[i]!, a: pre + i, b: pre + j });
        i++;
        j++;
      } else if (j < bm.length && (i >= am.length || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) {
        ops.push({ tag: '+', line: bm[j]!, a: pre + i, b: pre + j });
        j++;
      } else {
        ops.push({ tag: '-', line: am[i]!, a: pre + i, b: pre + j });
        i++;
      }
    }
  }
  for (let k = 0; k < suf; k++) {
    ops.push({ tag: ' ', line: a[a.length - suf + k]!, a: a.length - suf + k, b: b.length - suf + k });
  }

  const out: string[] = [`--- ${oldName}`, `+++ ${newName}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.tag === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    let end = k;
    // extend the hunk while changes are within 2*context of each other
    while (end < ops.length) {
      if (ops[end]!.tag !== ' ') {
        end++;
        continue;
      }
      let run = end;
      while (run < ops.length && ops[run]!.tag === ' ') run++;
      if (run < ops.length && run - end <= context * 2) {
        end = run;
        continue;
      }
      end = Math.min(run, end + context);
      break;
    }
    const hunk = ops.slice(start, end);
    const first = hunk[0]!;
    const aCount = hunk.filter((o) => o.tag !== '+').length;
    const bCount = hunk.filter((o) => o.tag !== '-').length;
    const aStart = aCount === 0 ? first.a : first.a + 1;
    const bStart = bCount === 0 ? first.b : first.b + 1;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(o.tag + o.line.replace(/\r$/, ''));
    start = end;
    k = end;
  }
  const noNl = (t: string) => t !== '' && !t.endsWith('\n');
  if (noNl(oldText) || noNl(newText)) out.push('\\ (one side has no newline at end of file)');
  return `${out.join('\n')}\n`;
}
