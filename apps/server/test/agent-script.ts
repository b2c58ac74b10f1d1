/**
 * The scripted conversation the Codex and Gemini runs share (recorder and e2e tests): a first turn that runs a
 * passing `echo`, then a failing command, then answers; a second turn (the same session, resumed) that answers.
 */

/** What both fakes can answer. */
export type ScriptedReply = { kind: 'text'; text: string } | { kind: 'shell'; command: string };

export const ECHO_COMMAND = 'echo flightdeck-e2e';
export const FAILING_COMMAND = 'ls /nonexistent-flightdeck-dir';

export const TWO_TURNS = [
  { prompt: 'run echo, then a failing command', answer: 'One command failed.' },
  { prompt: 'second question', answer: 'Second answer.' },
] as const;

/**
 * A script for either fake: `lastUser` reads the last prompt out of the fake's context. Turn 1: no tool output
 * yet → the echo; after the echo's output → the failing command; after that → the answer. Turn 2 → its answer.
 */
export function twoTurnScript<C extends { lastToolOutput: string | null }>(
  lastUser: (ctx: C) => string,
): (ctx: C) => ScriptedReply {
  return (ctx) => {
    if (lastUser(ctx).endsWith(TWO_TURNS[1].prompt)) return { kind: 'text', text: TWO_TURNS[1].answer };
    const out = ctx.lastToolOutput;
    if (out === null) return { kind: 'shell', command: ECHO_COMMAND };
    if (out.includes('flightdeck-e2e')) return { kind: 'shell', command: FAILING_COMMAND };
    return { kind: 'text', text: TWO_TURNS[0].answer };
  };
}
