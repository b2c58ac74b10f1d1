import { describe, expect, it } from 'vitest';
import {
  describeTaskNotification,
  endReasonLabel,
  isTaskNotification,
  KILL_ESCALATION_MS,
} from '../src/index.js';
import { Harness, hook, IDENTITY, user } from './helpers.js';

const SID = 's1';
const ev = (name: string, extra: Record<string, unknown> = {}) =>
  hook('claude', { session_id: SID, hook_event_name: name, cwd: '/home/dev/proj', ...extra }, { pid: 321 });

function live(): Harness {
  const h = new Harness();
  h.send(ev('SessionStart', { source: 'startup' }));
  h.send({ type: 'process-identified', sessionId: SID, pid: 321, identity: IDENTITY, refused: null });
  return h;
}

const NOTIFICATION = `<task-notification>
<task-id>a427100067de70b46</task-id>
<tool-use-id>toolu_mock_5_0</tool-use-id>
<status>completed</status>
<summary>Agent "Run subtask" finished</summary>
<result>Subagent finished
SUBTASK-ALPHA.</result>
</task-notification>`;

describe('endReasonLabel: plain words for every end reason', () => {
  // biome-ignore format: one row per reason
  const table: [string | null, string][] = [
    ['killed', 'Killed from Flightdeck'],
    ['process-exited', 'Process exited'],
    ['clear', 'Cleared with /clear'],
    ['resume', 'Switched to another session with /resume'],
    ['logout', 'Logged out'],
    ['prompt_input_exit', 'Exited'],
    ['exit', 'Exited'],
    ['other', 'Finished'],
    ['bypass_permissions_disabled', 'Stopped: bypass permissions was turned off'],
    ['complete', 'Finished'],
    ['user_exit', 'Exited'],
    ['abort', 'Interrupted'],
    ['interrupted', 'Interrupted'],
    ['error', 'Ended with an error'],
    ['timeout', 'Timed out'],
    [null, 'Ended'],
    ['', 'Ended'],
    ['some_NEW-reason', 'Ended: some new reason'],
    ['__proto__', 'Ended: proto'],
    ['constructor', 'Ended: constructor'],
  ];
  it.each(table)('%j → %s', (reason, label) => {
    expect(endReasonLabel(reason)).toBe(label);
  });
});

describe('task notifications', () => {
  it.each([
    [NOTIFICATION, true],
    [`  \n${NOTIFICATION}`, true],
    ['please read <task-notification> docs', false],
    ['fix the bug', false],
  ])('isTaskNotification(%j) is %s', (text, yes) => {
    expect(isTaskNotification(text)).toBe(yes);
  });

  it.each([
    [NOTIFICATION, 'Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.'],
    ['<task-notification><status>failed</status></task-notification>', 'Background task failed'],
    ['<task-notification>', 'Background task finished'],
  ])('describeTaskNotification(%j) is %s', (text, line) => {
    expect(describeTaskNotification(text)).toBe(line);
  });

  it('is not a prompt: not in the history, not counted, not the title or current prompt; a timeline line', () => {
    const h = live();
    h.send(ev('UserPromptSubmit', { prompt: 'build the thing' }));
    h.send(ev('Stop'));
    h.send(ev('UserPromptSubmit', { prompt: NOTIFICATION }));
    const s = h.session(SID);
    expect(s.promptHistory.map((p) => p.text)).toEqual(['build the thing']);
    expect(s.totalPrompts).toBe(1);
    expect(s.currentPrompt).toBe('build the thing');
    expect(s.title).toBe('build the thing');
    expect(s.status).toBe('prompting');
    expect(s.statusReason.detail).toBe(
      'Task notification: Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
    );
    expect(s.events.at(-1)).toMatchObject({
      type: 'task-notification',
      detail: 'Agent "Run subtask" finished: Subagent finished SUBTASK-ALPHA.',
    });
  });

  it('a first message that is a notification does not become the title', () => {
    const h = live();
    h.send(ev('UserPromptSubmit', { prompt: NOTIFICATION }));
    expect(h.session(SID)).toMatchObject({ title: 'proj', totalPrompts: 0, currentPrompt: null });
  });
});

describe('end reason of a session killed from the dashboard', () => {
  it('SessionEnd (other) after a kill reads "Killed from Flightdeck"', () => {
    const h = live();
    h.send(user({ type: 'kill', sessionId: SID }));
    h.advance(500);
    h.send(ev('SessionEnd', { reason: 'other' }));
    expect(h.session(SID)).toMatchObject({ status: 'ended', endReason: 'killed' });
    expect(h.session(SID).statusReason).toMatchObject({
      cause: 'event',
      trigger: 'SessionEnd',
      detail: 'Killed from Flightdeck (SessionEnd reason: other)',
    });
    // the pid dying afterwards changes nothing
    h.send({ type: 'pid-dead', sessionId: SID, pid: 321 });
    expect(h.session(SID).endReason).toBe('killed');
  });

  it('a process that dies after the SIGKILL escalation reads "Killed from Flightdeck"', () => {
    const h = live();
    h.send(user({ type: 'kill', sessionId: SID }));
    h.advance(KILL_ESCALATION_MS + 100);
    h.send({ type: 'pid-dead', sessionId: SID, pid: 321 });
    expect(h.session(SID)).toMatchObject({ status: 'ended', endReason: 'killed' });
    expect(h.session(SID).statusReason.detail).toBe('Killed from Flightdeck');
  });

  it('without a kill, the CLI reason stays, in plain words', () => {
    const h = live();
    h.send(ev('SessionEnd', { reason: 'prompt_input_exit' }));
    expect(h.session(SID)).toMatchObject({ endReason: 'prompt_input_exit' });
    expect(h.session(SID).statusReason.detail).toBe('Exited');
    const h2 = live();
    h2.send({ type: 'pid-dead', sessionId: SID, pid: 321 });
    expect(h2.session(SID)).toMatchObject({ endReason: 'process-exited' });
    expect(h2.session(SID).statusReason.detail).toBe('Process 321 exited');
  });

  it('a kill long before the end, or before a resume, does not mark a later end as killed', () => {
    const h = live();
    h.send(user({ type: 'kill', sessionId: SID }));
    h.advance(10 * 60_000); // the process ignored both signals; much later the user exits
    h.send(ev('SessionEnd', { reason: 'prompt_input_exit' }));
    expect(h.session(SID).endReason).toBe('prompt_input_exit');

    const h2 = live();
    h2.send(user({ type: 'kill', sessionId: SID }));
    h2.send(ev('SessionEnd', { reason: 'other' }));
    expect(h2.session(SID).endReason).toBe('killed');
    h2.send(ev('SessionStart', { source: 'resume' }));
    h2.send(ev('SessionEnd', { reason: 'prompt_input_exit' }));
    expect(h2.session(SID).endReason).toBe('prompt_input_exit');
  });

  it('the kill request survives a JSON round trip of the state', () => {
    const h = live();
    h.send(user({ type: 'kill', sessionId: SID }));
    h.state = JSON.parse(JSON.stringify(h.state));
    h.send(ev('SessionEnd', { reason: 'other' }));
    expect(h.session(SID).endReason).toBe('killed');
  });
});
