/**
 * The fake API's side of the interactive situations, shared by the e2e tests (`claude-interactive.e2e.test.ts`)
 * and the recorder of the fixtures (`record-interactive.ts`).
 */
import type { Block, Script } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';

export function bash(command: string, description: string): Block {
  return { type: 'tool_use', name: 'Bash', input: { command, description } };
}

/**
 * A command that runs 30 s. Claude Code 2.1.328 refuses a standalone `sleep 30` (and `sleep 30 && …`) as a tool
 * error without running it; a 30-second "build" stands in for it.
 */
export const LONG_BUILD = bash("node -e 'setTimeout(() => {}, 30000)'", 'Build for thirty seconds');

/** A Bash command that needs approval in the `default` permission mode. */
export const NEEDS_APPROVAL = bash('rm -f scratch.txt', 'Remove scratch file');

/** Answers the prompt with one tool call, and its result with `after`. */
export function toolThenText(call: Block, after: string): Script {
  return (ctx) => (ctx.lastToolResultId ? [{ type: 'text', text: after }] : [call]);
}

/** Answers every prompt with `reply(prompt)`. */
export function textReply(reply: (prompt: string) => string): Script {
  return (ctx) => [{ type: 'text', text: reply(ctx.lastUserText) }];
}

export const SUBAGENT_DONE = 'Noted the subagent result.';

/**
 * A background subagent (`Agent`, `run_in_background: true`) that runs `sleep 3`; the main turn ends at once,
 * the subagent's `<task-notification>` arrives later and is answered with {@link SUBAGENT_DONE}.
 */
export function backgroundSubagent(): Script {
  return (ctx) => {
    if (ctx.firstUserText.includes('SUBTASK-ALPHA')) {
      return ctx.lastToolResultId
        ? [{ type: 'text', text: 'Subagent finished SUBTASK-ALPHA.' }]
        : [bash('sleep 3', 'subagent waits')];
    }
    if (ctx.lastUserText.includes('<task-notification>')) return [{ type: 'text', text: SUBAGENT_DONE }];
    if (ctx.lastToolResultId) return [{ type: 'text', text: 'Subagent started in the background.' }];
    return [
      {
        type: 'tool_use',
        name: 'Agent',
        input: {
          description: 'Run subtask',
          prompt: 'SUBTASK-ALPHA: wait and report',
          subagent_type: 'general-purpose',
          run_in_background: true,
        },
      },
    ];
  };
}
