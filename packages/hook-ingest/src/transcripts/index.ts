import type { AgentCli } from '@flightdeck/shared-types';
import { createClaudeTranscriptParser } from './claude.js';
import { isCodexRolloutPath, parseCodexRolloutLine } from './codex.js';
import type { TranscriptLineParser } from './line.js';

export {
  CLAUDE_INTERRUPTED,
  CLAUDE_INTERRUPTED_TOOL_USE,
  createClaudeTranscriptObjectParser,
  createClaudeTranscriptParser,
  parseClaudeTranscriptLine,
} from './claude.js';
export { isCodexRolloutPath, parseCodexRolloutLine } from './codex.js';
export type { TranscriptLineParser, TranscriptLineResult } from './line.js';

/**
 * A parser for one session's transcript file (a new one per file: it may remember what it read), or null when the
 * path cannot be followed line by line: Claude Code's `transcript_path` (a `.jsonl` file); Codex only when the path
 * is a rollout file; Gemini CLI chat files are one JSON document rewritten in place on every message, so there is
 * no byte offset to follow them from.
 */
export function transcriptParserFor(cli: AgentCli, path: string): TranscriptLineParser | null {
  if (cli === 'claude' && path.endsWith('.jsonl')) return createClaudeTranscriptParser();
  if (cli === 'codex' && isCodexRolloutPath(path)) return parseCodexRolloutLine;
  return null;
}
