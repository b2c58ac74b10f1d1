/**
 * `sessions.conversation`: a page of a session's conversation, read from the transcript its own hooks reported
 * (`Session.transcriptPath`, or a subagent's file next to it). No path is taken from the caller.
 */
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { ConversationPage, Session } from '@flightdeck/shared-types';
import { z } from 'zod';
import { TRPCError } from '../trpc.js';
import { type PageRedactor, redactConversationPage } from './outgoing.js';
import { ConversationFileError, MAX_PAGE_ITEMS, readConversationPage } from './page.js';

const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const conversationInput = z
  .object({
    sessionId: z.string().min(1).max(256),
    /** A subagent of the session (its `agentId`): its own conversation. */
    agentId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,128}$/, 'agentId: letters, digits, "-" and "_" only')
      .optional(),
    /** Older page: the `start` of the page shown. */
    before: offset.optional(),
    /** Newer items: the `end` of the newest page shown. */
    after: offset.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE_ITEMS).default(100),
  })
  .strict()
  .refine((v) => v.before === undefined || v.after === undefined, {
    message: 'before and after: give one, not both',
    path: ['after'],
  });
export type ConversationInput = z.infer<typeof conversationInput>;

/** The transcript a subagent wrote: the one its hook reported, else Claude Code's `<session>/subagents/agent-<id>.jsonl`. */
function subagentPath(s: Session, main: string, agentId: string): string {
  const known = s.subagents.find((a) => a.agentId === agentId)?.transcriptPath;
  if (known && isAbsolute(known)) return known;
  return join(dirname(main), basename(main, '.jsonl'), 'subagents', `agent-${agentId}.jsonl`);
}

export async function conversationPage(
  session: Session,
  input: ConversationInput,
  redactor?: PageRedactor,
): Promise<ConversationPage> {
  const main = session.transcriptPath;
  if (main === null || !isAbsolute(main))
    throw new TRPCError({ code: 'NOT_FOUND', message: `session ${input.sessionId} has no transcript` });
  const path = input.agentId === undefined ? main : subagentPath(session, main, input.agentId);
  try {
    const page = await readConversationPage(path, input);
    return redactConversationPage(page, redactor);
  } catch (err) {
    if (err instanceof ConversationFileError) throw new TRPCError({ code: err.code, message: err.message });
    throw err;
  }
}
