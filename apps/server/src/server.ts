/**
 * Composition root: opens the database, loads and rehydrates the core state, builds the app, listens, then starts
 * the spool reader (so a restart loses nothing and doubles nothing). `close()` shuts down in order (§31.2).
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { coreAdapter } from './adapters.js';
import { type AlertServiceOptions, createAlertService } from './alerts/service.js';
import { type AppDeps, buildApp } from './app.js';
import { sessionApprovalViews } from './approvals-live.js';
import { createLoginLimiter, createTokenStore } from './auth.js';
import { serverVersion } from './build-info.js';
import { type ConfigFile, type ConfigStore, createConfigStore, type ResolvedConfig } from './config.js';
import { configureCoreFromFile, coreSettings } from './core-config.js';
import { type DeliveryMonitor, startDeliveryMonitor } from './delivery.js';
import { secureDataDir } from './file-modes.js';
import { createHookTokenStore } from './hook-token.js';
import { createHooksAdmin } from './hooks-admin.js';
import { startHosts } from './hosts/service.js';
import { createServerImports } from './import/service.js';
import { createHookStatsPort, type SpoolHandle, startSpoolReader } from './ingest.js';
import type { LiveHubOptions } from './live.js';
import { type LoggerOptions, loggerOptions } from './logger.js';
import { startLoopDelayMonitor } from './loop-delay.js';
import type { ProcessInspector } from './process-identity.js';
import { createInputRedaction } from './redaction.js';
import { startRetention } from './retention/index.js';
import { repo } from './router/db-errors.js';
import { createRuntime, type Logger, type Runtime } from './runtime.js';
import type { Services } from './services.js';
import type { SshServiceOptions } from './ssh/service.js';
import { type ClusterOptions, prepareCluster } from './store/cluster.js';
import { createStore } from './store/index.js';
import { openServerDatabase, type ServerDatabase } from './store/open.js';
import { createTerminalManager } from './terminals/create.js';
import {
  createTranscriptFollower,
  type TranscriptFollower,
  type TranscriptFollowerOptions,
} from './transcripts/follower.js';
import { type IdleCollector, startServerIdleCollector } from './tuning.js';

export { serverVersion } from './build-info.js';

export interface StartOptions {
  /** Use this config instead of reading it (tests); `dataDir: null` = in-memory DB, no spool. */
  config: Pick<ResolvedConfig, 'port' | 'host' | 'debug'> & {
    dataDir: string | null;
    /** `--database`: a `postgres://` URL (else `file.database`, else SQLite in the data dir). */
    database?: string | null;
    configPath: string | null;
    file: ConfigFile;
  };
  /** Logger: Fastify logger options, `false` for silence. Default: from config.debug. */
  logger?: LoggerOptions | false;
  webDist?: string | null;
  live?: LiveHubOptions;
  /** Spool poll interval (ms) when the reader polls. */
  spoolPollMs?: number;
  /** How often the hooks of held approvals are checked (ms; default 250). */
  holdPollMs?: number;
  /** Several servers on one PostgreSQL (store/cluster.ts): its timings (tests). */
  cluster?: Omit<ClusterOptions, 'log'>;
  /** Don't listen (tests using `app.inject`). */
  listen?: boolean;
  /** Clock of login tokens and the login limiter (tests). Default `Date.now`. */
  authClock?: () => number;
  /** How agent processes are identified before a kill (default: /proc on Linux, refuse elsewhere). */
  processes?: ProcessInspector;
  /**
   * The delivery check (delivery.ts), on by default with a data dir: `env` gives HOME and FLIGHTDECK_DATA_DIR (the
   * default spools it watches); `false` turns it off (tests that must not look at the real home directory).
   */
  delivery?: { env?: NodeJS.ProcessEnv; intervalMs?: number } | false;
  /** Connection timeouts and WebSocket limits (tests use short ones); defaults in app.ts and ws-limits.ts. */
  timeouts?: AppDeps['timeouts'];
  wsLimits?: AppDeps['wsLimits'];
  /**
   * The transcript follower (transcripts/follower.ts): its timings and limits (tests use short ones), or `false`
   * to turn it off whatever the config says (`transcripts.enabled`, default on).
   */
  transcripts?: Omit<TranscriptFollowerOptions, 'runtime' | 'log'> | false;
  /** Alert channels: webhook timeout and retry delays, push options (tests use short ones and an http endpoint). */
  alerts?: AlertServiceOptions;
  /** The server's clock: the runtime's `now` and retention's (tests move it forward). Default `Date.now`. */
  clock?: () => number;
  /** How often retention runs (retention/; default `passIntervalMs` of the settings, 30 min with the defaults). */
  retentionIntervalMs?: number;
  /** SSH hosts: the home whose ~/.ssh is used, Flightdeck's known-hosts file, the remote prompt timeout (tests). */
  ssh?: Omit<SshServiceOptions, 'config' | 'dataDir'>;
}

/** How often config.json and the hook token are checked for changes made by other processes (the CLI). */
export const AUTH_FILES_CHECK_MS = 250;

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  services: Services;
  /** SQLite (the default) or PostgreSQL (`database` configured). */
  database: ServerDatabase;
  config: ConfigStore;
  /** `http://host:port` once listening. */
  url: string | null;
  port: number | null;
  close(): Promise<void>;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config: rc } = opts;
  // The data directory is the owner's alone, whichever command made it and under whatever umask.
  const modes = rc.dataDir ? secureDataDir(rc.dataDir) : null;
  const configStore = createConfigStore(rc.configPath, rc.file);

  const logOpts = opts.logger === undefined ? loggerOptions(rc.debug) : opts.logger;
  const startedAt = Date.now();
  const loopDelay = startLoopDelayMonitor();
  const eventLoopDelay = loopDelay.read;
  let address: string | null = null;

  // The runtime logs through Fastify's logger once the app exists.
  let log: Logger = silentLogger;
  const runtimeLog: Logger = {
    info: (o, m) => log.info(o, m),
    warn: (o, m) => log.warn(o, m),
    error: (o, m) => log.error(o, m),
    debug: (o, m) => log.debug(o, m),
  };
  const database = await openServerDatabase({
    dataDir: rc.dataDir,
    url: rc.database ?? rc.file.database ?? null,
    log: runtimeLog,
  });
  // Several servers on one PostgreSQL (store/cluster.ts): prepared before the load, listening once the runtime exists.
  const cluster =
    database.dialect === 'postgres'
      ? await prepareCluster(database, { ...opts.cluster, log: runtimeLog })
      : null;
  const ownStore = createStore(database, { log: runtimeLog, ...cluster?.storeOptions });
  const store = cluster ? cluster.trackLoad(ownStore) : ownStore;
  // Held approvals' FIFOs may only be in the hold/ directory of a spool this server reads (its own, adopted ones).
  let delivery: DeliveryMonitor | null = null;
  const holdSpools = (): string[] =>
    rc.dataDir ? [resolve(rc.dataDir, 'spool'), ...(delivery?.adoptedDirs() ?? [])] : [];
  // Alert channels (alerts/service.ts): the core's `alert-fire` effects go to it.
  const alerts = createAlertService({
    dataDir: rc.dataDir,
    store: { read: (fn) => repo(store, fn) },
    log: runtimeLog,
    ...(opts.alerts ? { options: opts.alerts } : {}),
  });
  // The rules (their webhooks) are known before the events stored after the last checkpoint are replayed: an alert
  // those fire again goes out on every channel of its rule (at least once; its dedupeKey is the same).
  await alerts.syncRules().catch((err) => runtimeLog.warn({ err }, 'alert rules not loaded'));
  // Secrets are redacted from every input before it is stored or broadcast (rules from config.json, live).
  const redaction = createInputRedaction(() => configStore.get().redaction);
  let runtime: Runtime;
  try {
    runtime = await createRuntime({
      core: coreAdapter,
      store,
      log: runtimeLog,
      processCheckIntervalMs: configStore.get().processCheckInterval,
      config: coreSettings(configStore.get()),
      ...(opts.live ? { live: opts.live } : {}),
      ...(opts.processes ? { processes: opts.processes } : {}),
      holds: { spoolDirs: holdSpools, ...(opts.holdPollMs !== undefined ? { pollMs: opts.holdPollMs } : {}) },
      onAlert: (effect) => alerts.fire(effect),
      redaction,
      shareInput: cluster?.inputs.publish,
      ...(opts.clock ? { now: opts.clock } : {}),
      typing: { terminal: (id) => services.terminals?.find(id) ?? 'no terminals on this server' },
    });
  } catch (err) {
    // The checkpoint could not be loaded: release the database and its writer thread, then report.
    loopDelay.disable();
    await store.close();
    await database.close();
    throw err;
  }

  cluster?.start(runtime);

  let collector: IdleCollector | null = null;
  const authClock = opts.authClock ?? Date.now;
  const tokens = createTokenStore(authClock);
  const loginLimiter = createLoginLimiter({ now: authClock });
  const passwordRequired = () => configStore.get().passwordHash !== null;
  const hookTokens = createHookTokenStore(rc.dataDir, passwordRequired);
  if (passwordRequired()) hookTokens.ensure();
  // Any password change — from the UI or `flightdeck password set|clear` (config.json rewritten) — ends every
  // login token and closes every WebSocket at once.
  configStore.subscribe((next, previous) => {
    if (next.passwordHash === previous.passwordHash) return;
    tokens.revokeAll(next.passwordHash ? 'password changed' : 'password removed');
    loginLimiter.reset();
    if (next.passwordHash) hookTokens.ensure();
  });
  const hookStats = createHookStatsPort();
  const hosts = await startHosts({
    db: database.db,
    sessions: () => runtime.listSessions(),
    dispatch: (input) => runtime.dispatch(input),
    offlineAfterMs: () => configStore.get().hostOfflineAfterMs,
    log: runtimeLog,
    alerts,
    ...(opts.clock ? { now: opts.clock } : {}),
  });
  const services: Services = {
    runtime,
    store,
    config: configStore,
    auth: { tokens, loginLimiter, hookTokens, required: passwordRequired },
    hooks: createHooksAdmin(rc.dataDir),
    hookStats,
    info: {
      version: serverVersion(),
      startedAt,
      dataDir: rc.dataDir,
      address: () => address,
      eventLoopDelay,
      idleCollections: () => collector?.stats() ?? null,
    },
    delivery: null,
    transcripts: null,
    retention: null,
    redaction,
    alerts,
    cluster,
    hosts,
    imports: createServerImports({ database, runtime, redaction, log: runtimeLog }),
    terminals: createTerminalManager({
      config: configStore,
      runtime,
      log: runtimeLog,
      dataDir: rc.dataDir,
      ssh: opts.ssh,
    }),
  };

  const app = await buildApp({
    services,
    logger: logOpts === false ? false : logOpts,
    bindHost: rc.host,
    requestLogging: rc.debug,
    ...(opts.webDist !== undefined ? { webDist: opts.webDist } : {}),
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    ...(opts.wsLimits ? { wsLimits: opts.wsLimits } : {}),
  });
  log = app.log;
  if (modes && modes.fixed.length > 0)
    log.warn({ paths: modes.fixed }, 'data directory: removed group/other access');
  if (modes && modes.failed.length > 0)
    log.warn({ failed: modes.failed }, 'data directory: could not check or narrow the mode of some paths');

  runtime.start();
  // The alert rules reach the core now and after every change; the VAPID keys exist from the first start on.
  alerts.attach({
    dispatch: (input) => runtime.dispatch(input),
    approvalView: (sessionId, approvalId) => {
      const s = runtime.getSession(sessionId);
      return (s && sessionApprovalViews(runtime.state, s).find((v) => v.id === approvalId)) || null;
    },
  });
  try {
    alerts.vapidPublicKey();
  } catch (err) {
    log.warn({ err }, 'Web Push keys could not be loaded or created: push alerts will fail');
  }
  void alerts.syncRules().catch((err) => log.warn({ err }, 'alert rules not loaded'));
  // The core's settings from config.json, now and whenever the file changes.
  configureCoreFromFile(configStore, runtime, log);
  const sweeper = setInterval(() => {
    tokens.sweep();
    loginLimiter.sweep();
  }, 60_000);
  sweeper.unref();
  // Edits by other processes (the CLI): a password change or a hook token rotation takes effect within a second.
  const authFilesWatch = setInterval(() => {
    configStore.refresh();
    hookTokens.refresh();
  }, AUTH_FILES_CHECK_MS);
  authFilesWatch.unref();
  // Retention (retention/): old conversation data and raw events pruned, ended sessions out of memory; now and on a schedule.
  const retention = startRetention({
    db: database.db,
    runtime,
    settings: () => configStore.get(),
    log: runtimeLog,
    ...(opts.clock ? { now: opts.clock } : {}),
    ...(opts.retentionIntervalMs !== undefined ? { intervalMs: opts.retentionIntervalMs } : {}),
  });
  services.retention = retention;
  // Memory grown by a burst of events or a retention pass (sessions evicted, rows deleted) is given back after it.
  collector = startServerIdleCollector(() => runtime.inputCount() + retention.work());

  let spool: SpoolHandle | null = null;
  let transcripts: TranscriptFollower | null = null;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(sweeper);
      clearInterval(authFilesWatch);
      await hosts.stop();
      collector?.stop();
      loopDelay.disable();
      await retention.stop();
      await services.imports?.close();
      // 0. end every terminal (their viewers' streams end with them)
      await services.terminals?.closeAll();
      // 1. stop the transcript follower (it hands over its last progress) and the spool readers: they read no
      //    more and wait for the batches they handed to the runtime
      if (transcripts) await transcripts.stop();
      if (delivery) await delivery.stop();
      if (spool) await spool.stop();
      // 1b. stop listening to the other servers sharing the database
      await cluster?.close();
      // 2. process what is queued and wait for it to be committed (the spool files are deleted then)
      await runtime.drain();
      // alert deliveries waiting to retry give up (each attempt is in the delivery log); those under way get a
      // moment to finish and be logged before the database closes
      alerts.stop();
      await alerts.idle(2_000);
      // 3. close WebSockets and the HTTP server
      for (const client of app.websocketServer?.clients ?? []) client.terminate();
      await app.close().catch(() => {});
      // 4. stop timers, close the DB
      await runtime.stop();
      await store.close();
      await database.close();
    })();
    return closing;
  };

  let port: number | null = null;
  let url: string | null = null;
  if (opts.listen !== false) {
    try {
      await app.listen({ port: rc.port, host: rc.host });
    } catch (err) {
      // e.g. EADDRINUSE: release everything opened so far, then report.
      await close().catch(() => {});
      throw err;
    }
    const addr = app.server.address();
    if (addr && typeof addr === 'object') {
      port = addr.port;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      address = `${host}:${addr.port}`;
      url = `http://${host}:${addr.port}`;
    }
  } else {
    await app.ready();
  }

  // Spool reader last: the DB is open and the core state loaded, so the runtime recognises what was committed.
  if (rc.dataDir) {
    spool = await startSpoolReader({
      dir: resolve(rc.dataDir, 'spool'),
      runtime,
      log: app.log,
      hookStats,
      ...(opts.spoolPollMs !== undefined ? { pollMs: opts.spoolPollMs } : {}),
    });
  }

  // Then the delivery check: it adopts other spools that installed hooks write to or that hold records.
  if (rc.dataDir && opts.delivery !== false) {
    delivery = startDeliveryMonitor({
      dataDir: rc.dataDir,
      runtime,
      log: app.log,
      hookStats,
      ...(opts.delivery?.env ? { env: opts.delivery.env } : {}),
      ...(opts.delivery?.intervalMs !== undefined ? { intervalMs: opts.delivery.intervalMs } : {}),
      ...(opts.spoolPollMs !== undefined ? { pollMs: opts.spoolPollMs } : {}),
    });
    services.delivery = delivery;
  }

  // Then the transcript follower: it resumes each transcript at the cursor the loaded core state holds.
  if (opts.transcripts !== false && configStore.get().transcripts.enabled) {
    transcripts = createTranscriptFollower({ runtime, log: app.log, ...(opts.transcripts ?? {}) });
    transcripts.start();
    services.transcripts = transcripts;
  }

  return {
    app,
    runtime,
    services,
    database,
    config: configStore,
    url,
    port,
    close,
  };
}
