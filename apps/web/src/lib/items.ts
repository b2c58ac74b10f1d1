/**
 * Addresses of the items of a session (a prompt, a response, a tool call, a note, the title), as used in
 * `#/session/<id>?item=<kind>:<key>`: a search hit opens the detail page at the item that matched.
 *
 * Keys use what both the live session and the stored one know: a tool call's `toolUseId` (or `@<start time>` for
 * CLIs that send none), a prompt's or response's timestamp, a note's id.
 */
import type { ToolCall } from '../data/types.js';

export type ItemKind = 'prompt' | 'response' | 'tool' | 'note' | 'title';

export interface ItemRef {
  kind: ItemKind;
  key: string;
}

const KINDS = new Set<string>(['prompt', 'response', 'tool', 'note', 'title']);

export function toolKey(call: Pick<ToolCall, 'toolUseId' | 'startedAt'>): string {
  return call.toolUseId ?? `@${call.startedAt}`;
}

export const itemId = (kind: ItemKind, key: string | number): string => `${kind}:${key}`;

/** `<kind>:<key>` → its parts, or null when it is not an item address. */
export function parseItem(value: string | null | undefined): ItemRef | null {
  if (!value) return null;
  const i = value.indexOf(':');
  const kind = i < 0 ? value : value.slice(0, i);
  if (!KINDS.has(kind)) return null;
  return { kind: kind as ItemKind, key: i < 0 ? '' : value.slice(i + 1) };
}

/** What a full-text hit (`history.fullText`) points at. */
export interface HitLike {
  kind: 'prompt' | 'response' | 'tool_input' | 'tool_output' | 'note' | 'title';
  refId: number;
  toolUseId: string | null;
  timestamp: number;
}

/** The item address of a full-text hit. */
export function itemOfHit(hit: HitLike): string {
  switch (hit.kind) {
    case 'tool_input':
    case 'tool_output':
      return itemId('tool', toolKey({ toolUseId: hit.toolUseId, startedAt: hit.timestamp }));
    case 'note':
      return itemId('note', hit.refId);
    case 'title':
      return 'title';
    default:
      return itemId(hit.kind, hit.timestamp);
  }
}

/** How a hit's kind reads in the results list. */
export function hitKindLabel(hit: Pick<HitLike, 'kind'> & { toolName: string | null }): string {
  const tool = hit.toolName ? ` · ${hit.toolName}` : '';
  switch (hit.kind) {
    case 'prompt':
      return 'Prompt';
    case 'response':
      return 'Response';
    case 'tool_input':
      return `Tool call input${tool}`;
    case 'tool_output':
      return `Tool call output${tool}`;
    case 'note':
      return 'Note';
    case 'title':
      return 'Title';
  }
}
