import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { assembleConversation, type ConversationLine, parseConversationLine } from '@flightdeck/core';
import type { ConversationItem, ConversationPage } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { CONVERSATION_BOUNDS, readConversationPage } from '../src/conversation/page.js';
import type { RunningServer } from '../src/server.js';
import { caller, claudeEvent, postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function temp(): string {
  const t = tmpDir('fd-convo-');
  cleanups.push(t.remove);
  return t.dir;
}

const ts = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
const j = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

/**
 * A transcript of `turns` turns, each: a prompt, a bookkeeping line, a streamed message (text block, tool_use block
 * on two lines), its tool result, a thinking + answer message; every 7th turn a broken line, every 11th a compaction.
 */
function transcript(turns: number, pad = ''): string {
  let out = '';
  for (let t = 0; t < turns; t++) {
    const u = (k: string) => `${t}-${k}`;
    out += j({
      type: 'user',
      uuid: u('p'),
      timestamp: ts(t),
      message: { role: 'user', content: `prompt ${t}` },
    });
    out += j({ type: 'attachment', uuid: u('att'), attachment: { type: 'prompt_snapshot', pad } });
    const m1 = { id: `msg-${t}-1`, role: 'assistant' };
    out += j({
      type: 'assistant',
      uuid: u('a1'),
      message: { ...m1, content: [{ type: 'text', text: `part A ${t}` }] },
    });
    out += j({
      type: 'assistant',
      uuid: u('a2'),
      message: { ...m1, content: [{ type: 'text', text: `part B ${t}` }] },
    });
    out += j({
      type: 'assistant',
      uuid: u('a3'),
      message: {
        ...m1,
        content: [{ type: 'tool_use', id: `tool-${t}`, name: 'Bash', input: { command: `echo ${t}` } }],
      },
    });
    if (t % 5 === 2) {
      // a call whose result comes late, after the next message (on a newer page when pages are small)
      const late = { type: 'tool_use', id: `late-${t}`, name: 'Read', input: { file_path: `/f${t}` } };
      out += j({ type: 'assistant', uuid: u('a4'), message: { ...m1, content: [late] } });
    }
    out += j({
      type: 'user',
      uuid: u('r'),
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: `tool-${t}`, content: `out ${t}` }],
      },
    });
    if (t % 7 === 3) out += '{"type":"user", broken\n';
    if (t % 11 === 5)
      out += j({ type: 'system', subtype: 'compact_boundary', compactMetadata: { trigger: 'auto' } });
    const m2 = { id: `msg-${t}-2`, role: 'assistant' };
    out += j({
      type: 'assistant',
      uuid: u('b1'),
      message: { ...m2, content: [{ type: 'thinking', thinking: `hmm ${t}` }] },
    });
    out += j({
      type: 'assistant',
      uuid: u('b2'),
      message: { ...m2, content: [{ type: 'text', text: `answer ${t}` }] },
    });
    if (t % 5 === 2) {
      const result = { type: 'tool_result', tool_use_id: `late-${t}`, content: `late ${t}`, is_error: true };
      out += j({ type: 'user', uuid: u('lr'), message: { role: 'user', content: [result] } });
    }
  }
  return out;
}

/** The whole file parsed at once: what the pages together must show. */
function wholeFile(text: string): ConversationItem[] {
  const lines: ConversationLine[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const p = line.trim() === '' ? null : parseConversationLine(line, offset);
    if (p) lines.push(p);
    offset += Buffer.byteLength(line) + 1;
  }
  return assembleConversation(lines).items;
}

/** Items of pages put together the way the web does: oldest first, late results attached to their calls. */
function joinPages(pages: ConversationPage[]): ConversationItem[] {
  const results = new Map(pages.flatMap((p) => p.results).map((r) => [r.toolUseId, r]));
  const ordered = [...pages].sort((a, b) => a.start - b.start);
  return ordered.flatMap((p) =>
    p.items.map((i) => {
      const r = i.kind === 'tool' && i.result === null ? results.get(i.toolUseId) : undefined;
      return r && i.kind === 'tool' ? { ...i, result: r.result, isError: r.isError } : i;
    }),
  );
}

async function allPagesBackward(path: string, limit: number, bounds = CONVERSATION_BOUNDS) {
  const pages: ConversationPage[] = [];
  let page = await readConversationPage(path, { limit }, bounds);
  pages.push(page);
  while (page.hasOlder) {
    const before: number = page.start;
    page = await readConversationPage(path, { before, limit }, bounds);
    expect(page.end).toBeLessThanOrEqual(before);
    pages.push(page);
    expect(pages.length).toBeLessThan(10_000);
  }
  return pages;
}

describe('conversation pages read from a real file', () => {
  it.each([1, 3, 7, 50])(
    'paging back with limit %i shows every item exactly once, as the whole file does',
    async (limit) => {
      const dir = temp();
      const path = join(dir, 't.jsonl');
      const text = transcript(40);
      writeFileSync(path, text);
      const pages = await allPagesBackward(path, limit);
      const ids = pages.flatMap((p) => p.items.map((i) => i.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(joinPages(pages)).toEqual(wholeFile(text));
      // late results reached their calls (some from another page when pages are small)
      const late = joinPages(pages).filter((i) => i.kind === 'tool' && i.name === 'Read');
      expect(late).toHaveLength(8);
      expect(late.every((i) => i.kind === 'tool' && i.isError && i.result?.startsWith('late'))).toBe(true);
      if (limit <= 3) expect(pages.some((p) => p.results.length > 0)).toBe(true);
      // the streamed blocks of one message stay one item on whatever page
      expect(joinPages(pages).filter((i) => i.kind === 'text' && i.text.startsWith('part A'))).toHaveLength(
        40,
      );
      // pages partition the file: each starts where the older one ends
      for (let k = 1; k < pages.length; k++) expect(pages[k]?.end).toBe(pages[k - 1]?.start);
      expect(pages.reduce((n, p) => n + p.skipped, 0)).toBe(6);
    },
  );

  it('the same cursor gives the same page (stable)', async () => {
    const path = join(temp(), 't.jsonl');
    writeFileSync(path, transcript(20));
    const first = await readConversationPage(path, { limit: 10 });
    const again = await readConversationPage(path, { before: first.start, limit: 10 });
    expect(await readConversationPage(path, { before: first.start, limit: 10 })).toEqual(again);
    expect(again.items.map((i) => i.id)).not.toContain(first.items[0]?.id);
  });

  it('reads what was written since (`after`), never a line still being written', async () => {
    const path = join(temp(), 't.jsonl');
    writeFileSync(path, transcript(3));
    const first = await readConversationPage(path, { limit: 100 });
    expect(first.hasOlder).toBe(false);
    const line = j({ type: 'user', uuid: 'new', message: { role: 'user', content: 'newer prompt' } });
    appendFileSync(path, line.slice(0, 20));
    const none = await readConversationPage(path, { after: first.end, limit: 100 });
    expect(none.items).toEqual([]);
    expect(none.end).toBe(first.end);
    // the newest page ignores the unfinished line too
    expect((await readConversationPage(path, { limit: 100 })).items).toEqual(first.items);
    appendFileSync(path, line.slice(20));
    const next = await readConversationPage(path, { after: none.end, limit: 100 });
    expect(next.items).toMatchObject([{ kind: 'prompt', text: 'newer prompt' }]);
    expect((await readConversationPage(path, { after: next.end, limit: 100 })).items).toEqual([]);
  });

  it('skips a line longer than the cap without keeping it, on both sides of it', async () => {
    const path = join(temp(), 't.jsonl');
    const huge = j({ type: 'user', message: { role: 'user', content: 'y'.repeat(5000) } });
    writeFileSync(path, transcript(2) + huge + transcript(2).replaceAll('"uuid":"', '"uuid":"2-'));
    const bounds = { chunk: 512, maxScan: 1 << 20, maxLine: 2000 };
    const pages = await allPagesBackward(path, 4, bounds);
    expect(pages.reduce((n, p) => n + p.skipped, 0)).toBe(1);
    expect(joinPages(pages).some((i) => i.kind === 'prompt' && i.text.startsWith('yyy'))).toBe(false);
    expect(joinPages(pages).filter((i) => i.kind === 'prompt')).toHaveLength(4);
    const forward = await readConversationPage(path, { after: 0, limit: 500 }, bounds);
    expect(forward.skipped).toBe(1);
    expect(
      forward.items.filter((i) => i.kind === 'prompt').map((i) => i.kind === 'prompt' && i.text),
    ).toEqual(['prompt 0', 'prompt 1', 'prompt 0', 'prompt 1']);
  });

  it('a cursor inside a line drops that line rest (never parsed as a line of its own)', async () => {
    const path = join(temp(), 't.jsonl');
    writeFileSync(path, transcript(2));
    const whole = await readConversationPage(path, { limit: 500 });
    const inner = whole.end - 10;
    const fwd = await readConversationPage(path, { after: inner, limit: 500 });
    expect(fwd).toMatchObject({ items: [], skipped: 0, end: whole.end });
    const back = await readConversationPage(path, { before: inner, limit: 500 });
    expect(back.skipped).toBe(0);
    expect(back.items).toEqual(whole.items.slice(0, -1));
  });

  it('answers a 200 MB transcript in bounded time and memory; a file of nothing but bookkeeping too', async () => {
    const dir = temp();
    const path = join(dir, 'big.jsonl');
    const block = Buffer.from(transcript(200, 'z'.repeat(2000)));
    const fd = openSync(path, 'w');
    let written = 0;
    while (written < 200 * 1024 * 1024) written += writeSync(fd, block);
    closeSync(fd);
    const before = process.memoryUsage();
    const t0 = performance.now();
    const page = await readConversationPage(path, { limit: 100 });
    const older = await readConversationPage(path, { before: page.start, limit: 100 });
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    expect(page.items.length).toBeGreaterThan(50);
    expect(older.items.length).toBeGreaterThan(50);
    expect(page.items.at(-1)).toMatchObject({ kind: 'text', text: 'answer 199' });
    // reading the whole file would take seconds and hundreds of MB; a page reads a few hundred KB
    expect(ms).toBeLessThan(2000);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);

    // 200 MB with no conversation in it: one call reads at most maxScan bytes, then hands a cursor back
    const empty = join(dir, 'empty.jsonl');
    const att = Buffer.from(j({ type: 'attachment', attachment: { pad: 'q'.repeat(4000) } }).repeat(256));
    const fd2 = openSync(empty, 'w');
    written = 0;
    while (written < 200 * 1024 * 1024) written += writeSync(fd2, att);
    closeSync(fd2);
    const t1 = performance.now();
    const blank = await readConversationPage(empty, { limit: 100 });
    expect(performance.now() - t1).toBeLessThan(5000);
    expect(blank.items).toEqual([]);
    expect(blank.hasOlder).toBe(true);
    expect(written - blank.start).toBeLessThanOrEqual(CONVERSATION_BOUNDS.maxScan);
    expect(written - blank.start).toBeGreaterThan(CONVERSATION_BOUNDS.maxScan / 2);
  }, 60_000);
});

describe('sessions.conversation', () => {
  async function withSession(path: string, id = 'conv-1'): Promise<RunningServer> {
    const s = await startTestServer();
    cleanups.push(() => s.close());
    const start = sessionStart(id);
    (start.payload as Record<string, unknown>).transcript_path = path;
    expect((await postHook(s.url as string, start)).status).toBe(202);
    await waitFor(() => s.services.runtime.getSession(id));
    return s;
  }

  it('pages the transcript the session reported, and its subagent from the file next to it', async () => {
    const dir = temp();
    const path = join(dir, 'sess.jsonl');
    writeFileSync(path, transcript(5));
    mkdirSync(join(dir, 'sess', 'subagents'), { recursive: true });
    writeFileSync(
      join(dir, 'sess', 'subagents', 'agent-abc123.jsonl'),
      j({ type: 'user', isSidechain: true, message: { role: 'user', content: 'sub task' } }),
    );
    const s = await withSession(path);
    const api = caller(s);
    const page = await api.sessions.conversation({ sessionId: 'conv-1', limit: 500 });
    expect(page.items.filter((i) => i.kind === 'prompt')).toHaveLength(5);
    const sub = await api.sessions.conversation({ sessionId: 'conv-1', agentId: 'abc123' });
    expect(sub.items).toMatchObject([{ kind: 'prompt', text: 'sub task' }]);
  });

  it('takes no path from the caller, refuses agent ids that are paths, and unknown sessions', async () => {
    const dir = temp();
    const path = join(dir, 'sess.jsonl');
    writeFileSync(path, transcript(1));
    const secret = join(dir, 'other.jsonl');
    writeFileSync(secret, j({ type: 'user', message: { role: 'user', content: 'not yours' } }));
    const s = await withSession(path);
    const api = caller(s);
    await expect(
      api.sessions.conversation({ sessionId: 'conv-1', path: secret } as unknown as { sessionId: string }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      api.sessions.conversation({ sessionId: 'conv-1', agentId: '../other' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('agentId'),
    });
    await expect(api.sessions.conversation({ sessionId: 'nope' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      api.sessions.conversation({ sessionId: 'conv-1', before: 1, after: 2 }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('refuses a transcript that is a symlink, and a FIFO (without blocking)', async () => {
    const dir = temp();
    const target = join(dir, 'target.jsonl');
    writeFileSync(target, transcript(1));
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    const s = await withSession(link, 'linked');
    await expect(caller(s).sessions.conversation({ sessionId: 'linked' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('symlink'),
    });
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    await postHook(
      s.url as string,
      claudeEvent('piped', 'SessionStart', { source: 'startup', transcript_path: fifo }),
    );
    await waitFor(() => s.services.runtime.getSession('piped'));
    await expect(caller(s).sessions.conversation({ sessionId: 'piped' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('not a regular file'),
    });
  });
  it('a page is redacted like everything ingested, and still read after its ended session left memory', async () => {
    const dir = temp();
    const path = join(dir, 'sess.jsonl');
    const key = `ghp_${'aB3'.repeat(12)}`;
    writeFileSync(
      path,
      transcript(1) +
        j({ type: 'user', uuid: 'k-p', message: { role: 'user', content: `deploy with ${key} please` } }) +
        j({
          type: 'assistant',
          uuid: 'k-a',
          message: { id: 'k-m', role: 'assistant', content: [{ type: 'text', text: `I used ${key}.` }] },
        }),
    );
    let now = Date.UTC(2026, 11, 1, 12);
    const s = await startTestServer({
      listen: false,
      clock: () => now,
      file: { endedSessionMemoryMinutes: 1 },
    });
    cleanups.push(() => s.close());
    const start = sessionStart('gone', { sentAt: now });
    (start.payload as Record<string, unknown>).transcript_path = path;
    await s.runtime.ingest(start, 'gone-0');
    await s.runtime.ingest(
      claudeEvent('gone', 'SessionEnd', { reason: 'exit', transcript_path: path }, { sentAt: now }),
      'gone-1',
    );
    await s.runtime.drain();
    now += 5 * 60_000;
    expect((await s.services.retention!.run()).evicted).toBe(1);
    expect(s.runtime.getSession('gone')).toBeUndefined();

    const page = await caller(s).sessions.conversation({ sessionId: 'gone', limit: 500 });
    const texts = JSON.stringify(page.items);
    expect(texts).toContain('deploy with [REDACTED:');
    expect(texts).toContain('prompt 0');
    expect(texts).not.toContain(key);
  });
});
