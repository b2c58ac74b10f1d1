import { QUEUE_MAX_ITEMS, QUEUE_MAX_TEXT_BYTES } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { type Effect, queueOf, rehydrate } from '../src/index.js';
import { Harness, hook, user } from './helpers.js';

const SID = 's1';
const TERM = 'term-1';
const ev = (name: string, extra: Record<string, unknown> = {}) =>
  hook(
    'claude',
    { session_id: SID, hook_event_name: name, cwd: '/home/dev/proj', ...extra },
    { terminalId: TERM, pid: 321 },
  );

/** A Claude session in a Flightdeck terminal, started and busy with a first turn. */
function busy(): Harness {
  const h = new Harness();
  h.send({ type: 'terminal-created', terminalId: TERM, workDir: '/home/dev/proj', cli: 'claude' });
  h.send(ev('SessionStart', { source: 'startup' }));
  h.send(ev('UserPromptSubmit', { prompt: 'first' }));
  return h;
}

const add = (itemId: string, text: string, sessionId = SID) =>
  user({ type: 'queue-add', sessionId, itemId, text });
const typed = (effects: Effect[]) => effects.filter((e) => e.type === 'terminal-type');
const rejections = (effects: Effect[]) => effects.flatMap((e) => (e.type === 'rejected' ? [e.reason] : []));
const items = (h: Harness) => queueOf(h.state, SID).items.map((i) => [i.id, i.state]);

describe('prompt queue: dispatch', () => {
  it('types the first item when the turn finishes, once, and the next prompt removes it', () => {
    const h = busy();
    expect(typed(h.send(add('q1', 'second prompt')))).toEqual([]);
    h.send(add('q2', 'third prompt'));
    expect(h.session(SID)).toMatchObject({ queueCount: 2, queueNote: null });

    const atStop = typed(h.send(ev('Stop')));
    expect(atStop).toEqual([
      { type: 'terminal-type', sessionId: SID, terminalId: TERM, itemId: 'q1', text: 'second prompt' },
    ]);
    expect(items(h)).toEqual([
      ['q1', 'sent'],
      ['q2', 'queued'],
    ]);
    // Not twice: more events while still waiting type nothing.
    expect(typed(h.send(ev('Notification', { notification_type: 'idle_prompt', message: 'x' })))).toEqual([]);
    expect(typed(h.send(ev('Stop')))).toEqual([]);

    h.send(ev('UserPromptSubmit', { prompt: 'second prompt' }));
    expect(items(h)).toEqual([['q2', 'queued']]);
    expect(h.session(SID).queueCount).toBe(1);
    expect(typed(h.send(ev('Stop')))).toMatchObject([{ itemId: 'q2', text: 'third prompt' }]);
    h.send(ev('UserPromptSubmit', { prompt: 'third prompt' }));
    expect(items(h)).toEqual([]);
    expect(h.session(SID).queueCount).toBe(0);
    expect(h.state.queues?.size).toBe(0);
  });

  it('a fresh session is not at a finished turn: typed after the first turn; added while it waits: typed at once', () => {
    const h = new Harness();
    h.send({ type: 'terminal-created', terminalId: TERM, workDir: '/home/dev/proj', cli: 'claude' });
    // The placeholder card (no hook yet): the item waits.
    expect(typed(h.send(add('q1', 'hello', TERM)))).toEqual([]);
    // SessionStart adopts the placeholder (the queue follows the card); a launch prompt may be on its way: no typing.
    expect(typed(h.send(ev('SessionStart', { source: 'startup' })))).toEqual([]);
    expect(queueOf(h.state, TERM).items).toEqual([]);
    expect(items(h)).toEqual([['q1', 'queued']]);
    h.send(ev('UserPromptSubmit', { prompt: 'the launch prompt' }));
    expect(typed(h.send(ev('Stop')))).toMatchObject([{ itemId: 'q1', terminalId: TERM }]);
    h.send(ev('UserPromptSubmit', { prompt: 'hello' }));
    h.send(ev('Stop'));
    expect(typed(h.send(add('q2', 'at once')))).toMatchObject([{ itemId: 'q2' }]);
    // Idle after a finished turn (auto-idle) is still at the prompt.
    h.send(ev('UserPromptSubmit', { prompt: 'at once' }));
    h.send(ev('Stop'));
    h.advance(3_600_000);
    expect(h.session(SID).status).toBe('idle');
    expect(typed(h.send(add('q3', 'after idle')))).toMatchObject([{ itemId: 'q3' }]);
  });

  it('a prompt with another text does not confirm the sent item (it is never typed twice); its own prompt does', () => {
    const h = busy();
    h.send(add('q1', 'queued  text\nline two'));
    h.send(add('q2', 'later'));
    expect(typed(h.send(ev('Stop')))).toMatchObject([{ itemId: 'q1' }]);
    // Someone typed another prompt in the terminal first.
    h.send(ev('UserPromptSubmit', { prompt: 'typed by hand' }));
    expect(items(h)).toEqual([
      ['q1', 'sent'],
      ['q2', 'queued'],
    ]);
    expect(typed(h.send(ev('Stop')))).toEqual([]);
    // The agent takes the typed text as its next prompt (spacing and line ends may differ).
    h.send(ev('UserPromptSubmit', { prompt: 'queued text line two' }));
    expect(items(h)).toEqual([['q2', 'queued']]);
    expect(typed(h.send(ev('Stop')))).toMatchObject([{ itemId: 'q2' }]);
  });

  it('does not type while the agent waits for an approval, nor after an approval timed out to idle', () => {
    const h = busy();
    h.send(ev('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'rm -rf x' }, tool_use_id: 't1' }));
    h.send(
      ev('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf x' }, tool_use_id: 't1' }),
    );
    expect(h.session(SID).status).toBe('approval');
    expect(typed(h.send(add('q1', 'next')))).toEqual([]);
    h.advance(3_600_000); // approval → idle by the auto-idle timer: still the dialog, not a prompt
    expect(h.session(SID).status).toBe('idle');
    expect(typed(h.effects)).toEqual([]);
    expect(items(h)).toEqual([['q1', 'queued']]);
  });

  it('does not type into an ended session, and says so on the card', () => {
    const h = busy();
    h.send(add('q1', 'next'));
    h.send(ev('SessionEnd', { reason: 'other' }));
    expect(typed(h.effects)).toEqual([]);
    expect(h.session(SID).queueNote).toMatch(/ended/);
    expect(rejections(h.send(add('q2', 'more')))).toEqual([`queue-add: session ${SID} has ended`]);
  });

  it('an undelivered item goes back to queued, holds the queue on that terminal and the card says why', () => {
    const h = busy();
    h.send(add('q1', 'next'));
    h.send(ev('Stop'));
    h.send({
      type: 'queue-undelivered',
      sessionId: SID,
      itemId: 'q1',
      terminalId: TERM,
      reason: 'terminal exited',
    });
    expect(items(h)).toEqual([['q1', 'queued']]);
    expect(h.session(SID).queueNote).toBe('Queued prompt not typed in: terminal exited');
    // No retry loop: more waiting types nothing into the same terminal.
    expect(typed(h.send(ev('Stop')))).toEqual([]);
    // A stale report changes nothing.
    expect(
      h.send({ type: 'queue-undelivered', sessionId: SID, itemId: 'q9', terminalId: TERM, reason: 'x' }),
    ).toEqual([]);
    // A change by the user lifts the hold: typed again at once (the agent waits).
    expect(typed(h.send(add('q2', 'more')))).toMatchObject([{ itemId: 'q1' }]);
  });

  it('follows its card across a resume (re-key) and is dropped with a deleted session', () => {
    const h = busy();
    h.send(add('q1', 'next'));
    h.send({ type: 'resume-requested', sessionId: SID, terminalId: 'term-2' });
    h.send(
      hook(
        'claude',
        { session_id: 's2', hook_event_name: 'SessionStart', source: 'resume', cwd: '/home/dev/proj' },
        { terminalId: 'term-2', pid: 99 },
      ),
    );
    expect(queueOf(h.state, SID).items).toEqual([]);
    expect(queueOf(h.state, 's2').items.map((i) => i.id)).toEqual(['q1']);
    const s2 = (name: string, extra: Record<string, unknown> = {}) =>
      hook(
        'claude',
        { session_id: 's2', hook_event_name: name, cwd: '/home/dev/proj', ...extra },
        { terminalId: 'term-2' },
      );
    h.send(s2('UserPromptSubmit', { prompt: 'go on' }));
    expect(typed(h.send(s2('Stop')))).toEqual([
      { type: 'terminal-type', sessionId: 's2', terminalId: 'term-2', itemId: 'q1', text: 'next' },
    ]);
    h.send(user({ type: 'delete', sessionId: 's2' }));
    expect(h.state.queues?.size).toBe(0);
  });

  it('a restart re-arms nothing for the queue (a sent item stays sent: it is never typed twice)', () => {
    const h = busy();
    h.send(add('q1', 'next'));
    h.send(ev('Stop'));
    const restored = JSON.parse(JSON.stringify(h.state));
    expect(rehydrate(restored, h.now).filter((e) => e.type === 'terminal-type')).toEqual([]);
    h.state = restored;
    expect(typed(h.send(ev('Stop')))).toEqual([]);
    expect(items(h)).toEqual([['q1', 'sent']]);
  });
});

describe('prompt queue: user actions', () => {
  it('refuses a session without a Flightdeck terminal, blank or oversized text, a repeated id, a full queue', () => {
    const h = new Harness();
    h.send(
      hook('claude', { session_id: 'plain', hook_event_name: 'SessionStart', source: 'startup', cwd: '/p' }),
    );
    expect(rejections(h.send(add('q1', 'x', 'plain')))[0]).toMatch(/has no Flightdeck terminal/);
    const b = busy();
    expect(rejections(b.send(add('q1', '   ')))).toEqual(['queue-add: text: expected a prompt (not blank)']);
    expect(rejections(b.send(add('q1', 'é'.repeat(QUEUE_MAX_TEXT_BYTES / 2 + 1))))[0]).toMatch(
      /at most 8192 bytes/,
    );
    expect(rejections(b.send(add('q1', 'é'.repeat(QUEUE_MAX_TEXT_BYTES / 2))))).toEqual([]);
    // Keys are not text: Ctrl-C, Escape (the end of a bracketed paste), other control characters.
    expect(rejections(b.send(add('c1', 'stop\u0003')))).toEqual([
      'queue-add: text: control character U+0003 is not allowed (it would be a key, not text)',
    ]);
    expect(rejections(b.send(add('c2', 'a\u001b[201~rm -rf /\r')))[0]).toMatch(/U\+001B is not allowed/);
    expect(rejections(b.send(add('c3', 'tab\tand\nlines\r\nok')))).toEqual([]);
    b.send(user({ type: 'queue-remove', sessionId: SID, itemId: 'c3' }));
    expect(rejections(b.send(add('q1', 'again')))).toEqual(['queue-add: itemId: q1 is already queued']);
    expect(rejections(b.send(add('', 'x')))[0]).toMatch(/itemId/);
    for (let i = 2; i <= QUEUE_MAX_ITEMS; i++) b.send(add(`q${i}`, `p${i}`));
    expect(b.session(SID).queueCount).toBe(QUEUE_MAX_ITEMS);
    expect(rejections(b.send(add('over', 'x')))[0]).toMatch(/queue is full \(50 prompts\)/);
    expect(b.session(SID).queueCount).toBe(QUEUE_MAX_ITEMS);
    expect(rejections(b.send(add('q1', 'x', 'nope')))).toEqual(['queue-add: unknown session nope']);
  });

  it('edits, removes and reorders queued items; a sent item cannot be edited nor moved, but can be removed', () => {
    const h = busy();
    for (const id of ['a', 'b', 'c']) h.send(add(id, `text ${id}`));
    expect(rejections(h.send(user({ type: 'queue-edit', sessionId: SID, itemId: 'b', text: 'B!' })))).toEqual(
      [],
    );
    expect(queueOf(h.state, SID).items[1]).toMatchObject({ id: 'b', text: 'B!', state: 'queued' });
    h.send(user({ type: 'queue-reorder', sessionId: SID, itemIds: ['c', 'a', 'b'] }));
    expect(items(h).map(([id]) => id)).toEqual(['c', 'a', 'b']);
    expect(
      rejections(h.send(user({ type: 'queue-reorder', sessionId: SID, itemIds: ['c', 'a'] })))[0],
    ).toMatch(/each of the 3/);
    expect(
      rejections(h.send(user({ type: 'queue-reorder', sessionId: SID, itemIds: ['c', 'a', 'x'] })))[0],
    ).toMatch(/no queued prompt x/);

    h.send(ev('Stop')); // c is typed in
    expect(items(h)[0]).toEqual(['c', 'sent']);
    expect(
      rejections(h.send(user({ type: 'queue-edit', sessionId: SID, itemId: 'c', text: 'z' })))[0],
    ).toMatch(/already typed into the terminal/);
    expect(
      rejections(h.send(user({ type: 'queue-reorder', sessionId: SID, itemIds: ['a', 'c', 'b'] })))[0],
    ).toMatch(/stays first/);
    expect(
      rejections(h.send(user({ type: 'queue-reorder', sessionId: SID, itemIds: ['c', 'b', 'a'] }))),
    ).toEqual([]);
    // Removing the sent item forgets it; the agent still waits, so the next one is typed in.
    const out = h.send(user({ type: 'queue-remove', sessionId: SID, itemId: 'c' }));
    expect(typed(out)).toMatchObject([{ itemId: 'b' }]);
    expect(items(h)).toEqual([
      ['b', 'sent'],
      ['a', 'queued'],
    ]);
    expect(rejections(h.send(user({ type: 'queue-remove', sessionId: SID, itemId: 'c' })))[0]).toMatch(
      /no queued prompt c/,
    );
  });
});
