export {
  createForwarder,
  type Forwarder,
  type ForwarderOptions,
  type ForwarderStats,
  forwardedEnvelope,
  senderIdOf,
} from './forward/forwarder.js';
export { FORWARDER_ID_FILE, forwarderId } from './forward/identity.js';
export { createMetricsSampler, readMeminfo } from './forward/metrics.js';
export {
  createHostReporter,
  DEFAULT_REPORT_INTERVAL_MS,
  type HostReporter,
  type HostReporterOptions,
  PIDS_FILE,
  pidIsAlive,
} from './forward/report.js';
export { HOOK_SCRIPT_PATH, HOOK_SCRIPT_SPOOL_DEFAULT_VAR } from './hook-script.js';
export {
  HOOK_AUTH_CHALLENGE,
  type HttpErrorBody,
  hookErrors,
  httpErrorBody,
  httpErrorJson,
  retryAfterSeconds,
  UNPARSABLE_JSON,
} from './http/messages.js';
export { createRateLimiter, type RateLimiter } from './http/rate-limit.js';
export { REFUSED_STATUS, refusalOf } from './http/refusal.js';
export {
  DEFAULT_HOOK_RATE_LIMIT,
  DEFAULT_MAX_BODY_BYTES,
  type EnvelopeAdmission,
  type HookAuthorizer,
  type HookIngestContext,
  type HookIngestRouteOptions,
  hookIngestRoutes,
} from './http/routes.js';
export * from './install/index.js';
export { type ProcStat, readProcStat } from './proc.js';
export { metaFromRecord, ttyName } from './spool/envelope.js';
export { describeFileType } from './spool/files.js';
export {
  ensureHoldDir,
  HOLD_DIR,
  HOLD_HEADER,
  holdFifoPath,
  holdHookAlive,
  holdRecordId,
  readBootId,
  sweepHoldDir,
} from './spool/hold.js';
export {
  createSpoolReader,
  type SpoolBatchOutcome,
  type SpoolReader,
  type SpoolReaderOptions,
  type SpoolReaderStats,
  type SpoolRecord,
} from './spool/reader.js';
export {
  encodeSpoolRecord,
  formatRecordName,
  type ParsedRecord,
  parseRecord,
  parseRecordName,
  RECORD_MAGIC,
  RECORD_TRAILER,
  type RecordName,
  sortRecordNames,
} from './spool/record.js';
export {
  createHookStats,
  type EventTypeStats,
  type HookStatSample,
  type HookStats,
  type HookStatsOptions,
  type HookStatsSnapshot,
  type StatSummary,
} from './stats/hook-stats.js';
export {
  CLAUDE_INTERRUPTED,
  CLAUDE_INTERRUPTED_TOOL_USE,
  CODEX_UNKNOWN_MODEL,
  createClaudeTranscriptObjectParser,
  createClaudeTranscriptParser,
  createCodexRolloutObjectParser,
  createCodexRolloutParser,
  isCodexRolloutPath,
  isGeminiChatPath,
  parseClaudeTranscriptLine,
  parseCodexRolloutLine,
  parseGeminiChatLine,
  parseGeminiChatObject,
  type TranscriptLineParser,
  type TranscriptLineResult,
  transcriptParserFor,
} from './transcripts/index.js';
export { checkPayload, type EnvelopeCheck, formatZodError, validateEnvelope } from './validate.js';
