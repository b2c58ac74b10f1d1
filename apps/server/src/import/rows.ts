/**
 * What the history import writes (run.ts): the parsed lines of a batch, the write ops of the rows the core mapped
 * them to, and the file's `import_files` row.
 */

import type { ImportLine, ImportRows, ImportState } from '@flightdeck/core';
import { MAX_PROMPT_CHARS, MAX_RESPONSE_CHARS, toolRow, usageOp, type WriteOp } from '@flightdeck/db';
import type { ImportLineMapper } from './agents.js';
import type { ImportCandidate } from './files.js';

/** The write ops of rows of session `id`. */
export function rowOps(id: string, rows: ImportRows): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const p of rows.prompts) {
    ops.push({
      op: 'prompt',
      row: {
        session_id: id,
        text: p.text.slice(0, MAX_PROMPT_CHARS),
        prompt_id: p.promptId,
        timestamp: p.timestamp,
      },
    });
  }
  for (const r of rows.responses) {
    ops.push({
      op: 'response',
      row: {
        session_id: id,
        text_excerpt: r.text.slice(0, MAX_RESPONSE_CHARS),
        agent_id: r.agentId,
        timestamp: r.timestamp,
      },
    });
  }
  for (const t of rows.tools) ops.push({ op: 'tool', row: toolRow(id, t) });
  for (const e of rows.events) {
    ops.push({
      op: 'event',
      row: { session_id: id, event_type: e.type, detail: e.detail, timestamp: e.timestamp },
    });
  }
  for (const u of rows.usage) ops.push(usageOp(id, u));
  return ops;
}

export function parseLines(lines: ReadonlyArray<string | null>, map: ImportLineMapper) {
  const out: ImportLine[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line === null) {
      skipped += 1;
      continue;
    }
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      skipped += 1;
      continue;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      skipped += 1;
      continue;
    }
    out.push(...map(obj as Record<string, unknown>));
  }
  return { lines: out, skipped };
}

export function emptyRows(): ImportRows {
  return { prompts: [], responses: [], tools: [], events: [], usage: [] };
}

export function mergeRows(a: ImportRows, b: ImportRows): ImportRows {
  return {
    prompts: [...a.prompts, ...b.prompts],
    responses: [...a.responses, ...b.responses],
    tools: [...a.tools, ...b.tools],
    events: [...a.events, ...b.events],
    usage: [...a.usage, ...b.usage],
  };
}

export function fileRow(
  c: ImportCandidate,
  bytesDone: number,
  status: 'importing' | 'done' | 'live',
  state: ImportState,
  at: number,
) {
  return {
    path: c.path,
    cli: c.cli,
    session_id: c.sessionId,
    size: c.size,
    mtime_ms: c.mtimeMs,
    bytes_done: bytesDone,
    status,
    state: JSON.stringify(state),
    updated_at: at,
  };
}
