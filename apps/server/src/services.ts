/**
 * Everything a procedure can reach, gathered once by `buildApp` and handed to every tRPC context.
 */

import type {
  HookStatsSnapshot,
  HooksStatus,
  InstallCli,
  InstallErrorCode,
  InstallResult,
  TelemetryResult,
} from '@flightdeck/hook-ingest';
import type { AgentCli } from '@flightdeck/shared-types';
import type { AlertService } from './alerts/service.js';
import type { LoginLimiter, TokenStore } from './auth.js';
import type { ConfigStore, HookDensity } from './config.js';
import type { DeliveryReport } from './delivery.js';
import type { HookTokenStore } from './hook-token.js';
import type { HostsService } from './hosts/service.js';
import type { ImportService } from './import/service.js';
import type { StorePort } from './ports.js';
import type { InputRedaction } from './redaction.js';
import type { Retention } from './retention/index.js';
import type { OtlpStats } from './routes/otlp.js';
import type { Runtime } from './runtime.js';
import type { Cluster } from './store/cluster.js';
import type { TerminalManager } from './terminals/manager.js';
import type { TranscriptFollowerStats } from './transcripts/follower.js';

export interface AuthService {
  /** Login tokens, and the WebSockets made with them (closed when their token ends). */
  tokens: TokenStore;
  /** Failed logins, by address class. */
  loginLimiter: LoginLimiter;
  /** The hook token HTTP hook senders need while a password is set. */
  hookTokens: HookTokenStore;
  /** True when a password is set. */
  required(): boolean;
}

/** What an install or uninstall did for one CLI: the installer's result, or why it failed (nothing written then). */
export type HookCliOutcome =
  | ({ ok: true } & InstallResult)
  | { ok: false; cli: InstallCli; error: string; code: InstallErrorCode | 'UNEXPECTED' };

export interface HookCommandOutcome {
  /** True when every CLI succeeded. */
  ok: boolean;
  /** One per CLI, in the order asked. */
  results: HookCliOutcome[];
  /** The failures in words (`claude: … is not valid JSON …`), one a line; '' when none. */
  errors: string;
}

/** Hook installation, delegated to @flightdeck/hook-ingest's installers. */
export interface HooksAdmin {
  status(): Promise<HooksStatus[]>;
  install(clis: AgentCli[], density: HookDensity, dryRun: boolean): Promise<HookCommandOutcome>;
  uninstall(clis: AgentCli[], dryRun: boolean): Promise<HookCommandOutcome>;
  /**
   * Claude Code's OpenTelemetry export to this server (`hooks install --telemetry`): on (`endpoint`: the server's
   * URL; the stored hook token goes with it) or off. Absent where a server is built without installers.
   */
  telemetry?(enabled: boolean, endpoint: string, dryRun: boolean): Promise<TelemetryResult>;
}

export interface HookStatsPort {
  snapshot(): HookStatsSnapshot;
  reset(): void;
  /** Subscribes to changes; returns an unsubscribe function. */
  onChange?(listener: () => void): () => void;
}

export interface SystemInfo {
  version: string;
  startedAt: number;
  dataDir: string | null;
  /** The address the server listens on, once listening. */
  address(): string | null;
  /** Event-loop delay since the last reset (ms); `reset` starts a new measurement window. */
  eventLoopDelay(reset?: boolean): { p50: number; p99: number; max: number };
  /** Full garbage collections run after bursts (see tuning.ts); `null` when the engine offers none. */
  idleCollections(): { collections: number; lastMs: number } | null;
}

/** Where hooks deliver, checked against this server's spool (delivery.ts); null without a data dir. */
export interface DeliveryPort {
  report(): DeliveryReport | null;
  check(): Promise<DeliveryReport>;
}

/** The transcript follower's counters (transcripts/follower.ts); null when it is off. */
export interface TranscriptsPort {
  stats(): TranscriptFollowerStats;
}

export interface Services {
  runtime: Runtime;
  /** The database, through the store: reads wait for what was acknowledged (`read`), statistics do not (`peek`). */
  store: Pick<StorePort, 'read' | 'peek'>;
  config: ConfigStore;
  auth: AuthService;
  hooks: HooksAdmin;
  hookStats: HookStatsPort;
  info: SystemInfo;
  delivery: DeliveryPort | null;
  transcripts: TranscriptsPort | null;
  /** Retention (retention/): its last pass, for `system.storage`; null until it starts. */
  retention?: Pick<Retention, 'last' | 'run' | 'now'> | null;
  /** Secret redaction (redaction.ts) for what does not go through the runtime (notes, transcript pages); absent: none. */
  redaction?: Pick<InputRedaction, 'text' | 'value'>;
  /** Alert rules and channels (alerts/service.ts); absent where a server is built without them. */
  alerts?: AlertService;
  /** Hosts and their tokens (hosts/service.ts); absent where a server is built without them. */
  hosts?: HostsService;
  /** History import (import/service.ts); absent where a server is built without it. */
  imports?: ImportService;
  /** What the OpenTelemetry receiver (routes/otlp.ts) saw; set when the app registers it. */
  otlp?: OtlpStats;
  /** Several servers on one PostgreSQL (store/cluster.ts); null or absent on SQLite. */
  cluster?: Cluster | null;
  /** PTYs (terminals/manager.ts); absent where a server is built without them. */
  terminals?: TerminalManager;
}
