/**
 * The prompt queue (issue 16) over the wire with a real PTY: a small agent-like script (`claude` on the terminal's
 * PATH) prints a prompt and reads lines; its hook events are sent as the real CLI would send them. The queued prompt
 * is typed into the terminal when the agent waits, Enter after a pause, once; the next prompt removes it; a closed
 * terminal gets nothing and the card says why; the queue survives a restart (file database), neither lost nor
 * doubled; every refused input names its field.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE_MAX_ITEMS, QUEUE_MAX_TEXT_BYTES } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeEvent, prompt, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';
import { type Client, clientFor, watch } from './terminal-client.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

/** A fake `claude` that reads lines: prints `PROMPT>`, then `GOT[<line>]` with the time in ms it got it. */
function fakeAgent(): { bin: string; project: string } {
  const dir = tmpDir('fd-queue-');
  cleanups.push(dir.remove);
  const bin = join(dir.dir, 'bin');
  const project = join(dir.dir, 'project');
  mkdirSync(bin);
  mkdirSync(project);
  writeFileSync(
    join(bin, 'claude'),
    '#!/bin/sh\nwhile true; do printf "PROMPT> "; IFS= read -r line || exit 0; echo "GOT[$line]"; done\n',
  );
  chmodSync(join(bin, 'claude'), 0o755);
  return { bin, project };
}

async function setup(dataDir: string | null = null) {
  const server = await startTestServer({ transcripts: false, dataDir });
  let closed = false;
  const close = async () => {
    if (!closed) await server.close();
    closed = true;
  };
  cleanups.push(close);
  const client = clientFor(server.url as string, cleanups);
  return { server, client, close };
}

/** Opens the fake agent in a terminal (its card: a placeholder linked to it) and watches the screen. */
async function openAgent(client: Client, agent: { bin: string; project: string }) {
  const t = await client.terminals.create.mutate({
    kind: 'local',
    command: 'claude',
    cwd: agent.project,
    env: { PATH: `${agent.bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    cols: 100,
    rows: 30,
  });
  const v = watch(client, { id: t.id });
  cleanups.push(() => v.unsubscribe());
  await waitFor(() => v.text().includes('PROMPT>'));
  return { t, v };
}

const SID = 'agent-q1';

describe('prompt queue over the wire', () => {
  it('types the first queued prompt when the agent waits, then Enter after a pause; the next prompt removes it', async () => {
    const { server, client } = await setup();
    const agent = fakeAgent();
    const { t, v } = await openAgent(client, agent);
    const placeholder = await waitFor(() => server.runtime.listSessions().find((s) => s.terminalId === t.id));

    // Queued while the agent has not said a word: nothing is typed.
    const first = await client.queue.add.mutate({ sessionId: placeholder.sessionId, text: 'first queued' });
    await client.queue.add.mutate({ sessionId: placeholder.sessionId, text: 'second queued' });
    expect(server.runtime.getSession(placeholder.sessionId)?.queueCount).toBe(2);

    // A viewer holds the keyboard: the system types all the same and the writer stays.
    const viewer = 'viewer-a';
    await client.terminals.takeover.mutate({ id: t.id, viewerId: viewer });

    // The agent starts (adopts the card) and runs its launch prompt: nothing typed yet.
    const meta = { terminalId: t.id };
    await server.runtime.ingest(sessionStart(SID, meta), 'e0');
    await server.runtime.ingest(prompt(SID, 'the launch prompt', meta), 'e1');
    // The queue followed the card to the agent's id; the placeholder's id still finds it.
    expect(server.runtime.getSession(SID)?.queueCount).toBe(2);
    const byOldId = await client.queue.list.query({ sessionId: placeholder.sessionId });
    expect(byOldId).toMatchObject({
      sessionId: SID,
      items: [{ text: 'first queued' }, { text: 'second queued' }],
    });
    expect(v.text()).not.toContain('first queued');

    // The turn ends: the first item is typed in, then Enter after the pause; the script reads exactly that line.
    const stopAt = Date.now();
    await server.runtime.ingest(claudeEvent(SID, 'Stop', {}, meta), 'e1b');
    await waitFor(() => v.text().includes('first queued'));
    const echoedAt = Date.now();
    await waitFor(() => v.text().includes('GOT[first queued]'));
    const gotAt = Date.now();
    expect(gotAt - stopAt).toBeGreaterThanOrEqual(250);
    expect(gotAt - echoedAt).toBeGreaterThan(100);
    const listed = await client.queue.list.query({ sessionId: SID });
    expect(listed.items.map((i) => [i.id, i.state])).toEqual([
      [first.itemId, 'sent'],
      [listed.items[1]?.id, 'queued'],
    ]);
    expect((await client.terminals.list.query()).find((x) => x.id === t.id)?.writer).toBe(viewer);

    // More events while it waits type nothing more (not twice).
    await server.runtime.ingest(
      claudeEvent(SID, 'Notification', { notification_type: 'idle_prompt', message: 'x' }, meta),
      'e2',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(v.text().split('GOT[').length - 1).toBe(1);

    // The agent reports the prompt and works: the item is gone, the card counts one; its turn ends: the next one.
    await server.runtime.ingest(prompt(SID, 'first queued', meta), 'e3');
    expect((await client.queue.list.query({ sessionId: SID })).items.map((i) => i.text)).toEqual([
      'second queued',
    ]);
    await server.runtime.ingest(claudeEvent(SID, 'Stop', {}, meta), 'e4');
    await waitFor(() => v.text().includes('GOT[second queued]'));
    await server.runtime.ingest(prompt(SID, 'second queued', meta), 'e5');
    await client.queue.add.mutate({ sessionId: SID, text: 'third queued' });
    const card = await client.sessions.get.query({ sessionId: SID });
    expect(card).toMatchObject({ queueCount: 1, queueNote: null });
  });

  it('a closed terminal gets nothing: the item stays queued and the card says why', async () => {
    const { server, client } = await setup();
    const { t } = await openAgent(client, fakeAgent());
    const meta = { terminalId: t.id };
    await server.runtime.ingest(sessionStart(SID, meta), 'e1');
    await server.runtime.ingest(prompt(SID, 'busy', meta), 'e2');
    await client.queue.add.mutate({ sessionId: SID, text: 'never typed' });
    await client.terminals.close.mutate({ id: t.id });
    await server.runtime.ingest(claudeEvent(SID, 'Stop', {}, meta), 'e3');
    const card = await waitFor(() => {
      const s = server.runtime.getSession(SID);
      return s?.queueNote ? s : null;
    });
    expect(card.queueNote).toMatch(
      /^Queued prompt not typed in: terminal term-\S+ is not open on this server$/,
    );
    expect(card.queueCount).toBe(1);
    const listed = await client.queue.list.query({ sessionId: SID });
    expect(listed).toMatchObject({ note: card.queueNote, items: [{ text: 'never typed', state: 'queued' }] });
  });

  it('edits, reorders and removes; refuses what is invalid with the field named', async () => {
    const { server, client } = await setup();
    const { t } = await openAgent(client, fakeAgent());
    const meta = { terminalId: t.id };
    await server.runtime.ingest(sessionStart(SID, meta), 'e1');
    await server.runtime.ingest(prompt(SID, 'busy', meta), 'e2');
    const ids: string[] = [];
    for (const text of ['a', 'b', 'c'])
      ids.push((await client.queue.add.mutate({ sessionId: SID, text })).itemId);
    await client.queue.update.mutate({ sessionId: SID, itemId: ids[1]!, text: 'B' });
    await client.queue.reorder.mutate({ sessionId: SID, itemIds: [ids[2]!, ids[1]!, ids[0]!] });
    const after = await client.queue.remove.mutate({ sessionId: SID, itemId: ids[0]! });
    expect(after.items.map((i) => i.text)).toEqual(['c', 'B']);

    const refused = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: Error) => e,
      );
      expect(err).not.toBeNull();
      return err!.message;
    };
    expect(await refused(client.queue.add.mutate({ sessionId: SID, text: '  ' }))).toMatch(
      /not blank[\s\S]*"text"/,
    );
    expect(
      await refused(client.queue.add.mutate({ sessionId: SID, text: 'x'.repeat(QUEUE_MAX_TEXT_BYTES + 1) })),
    ).toMatch(/at most 8192 bytes/);
    // A key sequence (the end of a bracketed paste, then Ctrl-C) is refused, nothing queued.
    expect(await refused(client.queue.add.mutate({ sessionId: SID, text: 'x\u001b[201~\u0003' }))).toMatch(
      /control character U\+001B is not allowed/,
    );
    expect(await refused(client.queue.add.mutate({ sessionId: 'nope', text: 'x' }))).toMatch(
      /sessionId: session not found: nope/,
    );
    expect(await refused(client.queue.update.mutate({ sessionId: SID, itemId: 'zz', text: 'x' }))).toMatch(
      /itemId: no queued prompt zz/,
    );
    expect(await refused(client.queue.reorder.mutate({ sessionId: SID, itemIds: [ids[1]!] }))).toMatch(
      /itemIds: expected each of the 2/,
    );
    for (let i = 2; i < QUEUE_MAX_ITEMS; i++)
      await client.queue.add.mutate({ sessionId: SID, text: `p${i}` });
    expect(await refused(client.queue.add.mutate({ sessionId: SID, text: 'one too many' }))).toMatch(
      /queue is full \(50 prompts\)/,
    );
    expect((await client.queue.list.query({ sessionId: SID })).items).toHaveLength(QUEUE_MAX_ITEMS);
  });

  it('a restart (file database) keeps every item once, in order, with its state', async () => {
    const data = tmpDir('fd-queue-data-');
    cleanups.push(data.remove);
    const before = await setup(data.dir);
    const { t } = await openAgent(before.client, fakeAgent());
    const meta = { terminalId: t.id };
    await before.server.runtime.ingest(sessionStart(SID, meta), 'e1');
    await before.server.runtime.ingest(prompt(SID, 'busy', meta), 'e2');
    for (const text of ['one', 'two', 'three'])
      await before.client.queue.add.mutate({ sessionId: SID, text });
    await before.server.runtime.ingest(claudeEvent(SID, 'Stop', {}, meta), 'e3'); // 'one' is typed in
    const items = (await before.client.queue.list.query({ sessionId: SID })).items;
    expect(items.map((i) => [i.text, i.state])).toEqual([
      ['one', 'sent'],
      ['two', 'queued'],
      ['three', 'queued'],
    ]);
    await before.close();

    const after = await setup(data.dir);
    const listed = await after.client.queue.list.query({ sessionId: SID });
    expect(listed.items).toEqual(items);
    expect(after.server.runtime.getSession(SID)?.queueCount).toBe(3);
    // The sent one is not typed again after the restart, and a user change goes to the database too.
    await after.client.queue.remove.mutate({ sessionId: SID, itemId: items[2]!.id });
    await after.close();
    const again = await setup(data.dir);
    expect((await again.client.queue.list.query({ sessionId: SID })).items.map((i) => i.text)).toEqual([
      'one',
      'two',
    ]);
  });
});
