/**
 * The conversation of a session as its agent lived it, read from its transcript on demand (`sessions.conversation`).
 * Items are ordered oldest first inside a page; pages go back in time by byte offset (see the server's
 * `conversation/` module).
 */

/** What every item has: a stable id (`<byte offset of its line>:<block>`, the same on every page) and a time. */
interface ItemBase {
  id: string;
  /** When the agent wrote it (Unix ms), or null when the line has no timestamp. */
  at: number | null;
}

/** Why a system event is shown. */
export type ConversationSystemEvent = 'compaction' | 'task-notification' | 'error' | 'retry' | 'interrupt';

/** The subagent a Task/Agent call started: its conversation is read with `agentId`. */
export interface ConversationSubagent {
  /** Null until the call's result names it (it is in the result, which may come on a newer page). */
  agentId: string | null;
  description: string | null;
  agentType: string | null;
}

export type ConversationItem =
  | (ItemBase & { kind: 'prompt'; text: string })
  | (ItemBase & { kind: 'text'; text: string })
  | (ItemBase & { kind: 'thinking'; text: string })
  | (ItemBase & {
      kind: 'tool';
      toolUseId: string;
      name: string;
      /** The call's input, clipped (strings, arrays, depth). */
      input: unknown;
      /** Null while no result is known on this page (see `ConversationPage.results`). */
      result: string | null;
      isError: boolean;
      subagent: ConversationSubagent | null;
    })
  | (ItemBase & { kind: 'system'; event: ConversationSystemEvent; text: string });

/** A tool result whose call is not on the same page (older page, or already shown): the client attaches it. */
export interface ConversationToolResult {
  toolUseId: string;
  result: string;
  isError: boolean;
  /** The subagent the call started (Task/Agent results name it). */
  agentId: string | null;
}

export interface ConversationPage {
  items: ConversationItem[];
  results: ConversationToolResult[];
  /** Byte offset of the page's first line: pass as `before` for the older page. */
  start: number;
  /** Byte offset just past the page's last complete line: pass as `after` for newer items. */
  end: number;
  /** Whether anything lies before `start`. */
  hasOlder: boolean;
  /** Whether complete lines lie past `end` (an `after` read stopped at its bound). */
  hasNewer: boolean;
  /** Lines skipped on this page: not JSON, or longer than the per-line cap. */
  skipped: number;
}
