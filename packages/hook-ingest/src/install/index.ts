export { decodeLossless, encodeLossless } from './bytes.js';
export {
  detectCliVersion,
  HOOKS_EXIT,
  HOOKS_USAGE,
  HOST_TOKEN_ENV,
  type HooksCommandArgs,
  type HooksCommandIo,
  misdeliveryWarning,
  parseHooksArgs,
  runHooksCommand,
  telemetryLine,
  UsageError,
} from './cli.js';
export {
  type HookDelivery,
  hookDelivery,
  parseHookCommand,
  reinstallCommand,
  spoolDefaultOfScript,
} from './delivery.js';
export {
  buildHookGroup,
  CLAUDE_EVENT_SINCE,
  CLAUDE_EVENTS_NEVER,
  CLAUDE_HOLD_SECONDS,
  CLAUDE_TOLERANT_SINCE,
  CODEX_HOLD_MAX_SECONDS,
  CODEX_HOLD_MIN_SECONDS,
  CODEX_SESSION_END_TIMEOUT_SECONDS,
  codexHoldOf,
  compareVersions,
  DEFAULT_CODEX_HOLD_SECONDS,
  DEFAULT_DENSITY,
  DENSITIES,
  DENSITY_EVENTS,
  type Density,
  eventsFor,
  HOLD_EVENT,
  HOLD_FLAG,
  HOOK_MARKER,
  HOOK_TIMEOUT_SECONDS,
  type HookGroupOptions,
  INSTALL_CLIS,
  type InstallCli,
  isCodexHoldSeconds,
  isFlightdeckHandler,
  parseVersion,
  TOOL_MATCHER_EVENTS,
} from './density.js';
export { unifiedDiff } from './diff.js';
export {
  buildHookCommand,
  INSTALLED_HOOK_SCRIPT_NAME,
  type InstalledHookScript,
  type InstallHookScriptOptions,
  installHookScript,
  renderHookScript,
  shellQuote,
} from './hookScript.js';
export {
  type DriftItem,
  type HooksStatus,
  type HooksStatusOptions,
  hooksStatus,
  type InstallHooksOptions,
  type InstallResult,
  installHooks,
  scriptPathFromCommand,
  type UninstallHooksOptions,
  uninstallHooks,
} from './hooks.js';
export { type InstallManifest, installManifestSchema, manifestPath, readManifest } from './manifest.js';
export { InstallError, type InstallErrorCode } from './safeFs.js';
export {
  findInstalledHookCommand,
  runSelfTest,
  SELF_TEST_EVENT,
  type SelfTestOptions,
  type SelfTestResult,
  spoolMarkerWaiter,
} from './selfTest.js';
export { type InstallTargets, type ResolveTargetsOptions, resolveInstallTargets } from './targets.js';
export {
  addTelemetry,
  HOST_TOKEN_SHAPE,
  installTelemetry,
  isFlightdeckValue,
  remoteEndpoint,
  removeTelemetry,
  TELEMETRY_KEYS,
  type TelemetryResult,
  type TelemetryStatus,
  type TelemetryTarget,
  TelemetryUrlError,
  telemetryEnv,
  telemetryStatus,
  uninstallTelemetry,
} from './telemetry.js';
export { escapeControls } from './terminal.js';
