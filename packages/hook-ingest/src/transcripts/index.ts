import type { AgentCli } from '@flightdeck/shared-types';
import { createClaudeTranscriptParser } from './claude.js';
import { createCodexRolloutParser, isCodexRolloutPath } from './codex.js';
import { isGeminiChatPath, parseGeminiChatLine } from './gemini.js';
import type { TranscriptLineParser } from './line.js';

export {
  CLAUDE_INTERRUPTED,
  CLAUDE_INTERRUPTED_TOOL_USE,
  createClaudeTranscriptObjectParser,
  createClaudeTranscriptParser,
  parseClaudeTranscriptLine,
} from './claude.js';
export {
  CODEX_UNKNOWN_MODEL,
  createCodexRolloutObjectParser,
  createCodexRolloutParser,
  isCodexRolloutPath,
  parseCodexRolloutLine,
} from './codex.js';
export { isGeminiChatPath, parseGeminiChatLine, parseGeminiChatObject } from './gemini.js';
export type { TranscriptLineParser, TranscriptLineResult } from './line.js';

/**
 * A parser for one session's transcript file (a new one per file: it may remember what it read), or null when the
 * path cannot be followed line by line: Claude Code's `transcript_path` (a `.jsonl` file); Codex only when the path
 * is a rollout file; Gemini CLI only for its `session-*.jsonl` chat files (0.61.0 appends to them; the older `.json`
 * chat files are one JSON document rewritten in place, with no byte offset to follow them from).
 */
export function transcriptParserFor(cli: AgentCli, path: string): TranscriptLineParser | null {
  if (cli === 'claude' && path.endsWith('.jsonl')) return createClaudeTranscriptParser();
  if (cli === 'codex' && isCodexRolloutPath(path)) return createCodexRolloutParser();
  if (cli === 'gemini' && isGeminiChatPath(path)) return parseGeminiChatLine;
  return null;
}
