/**
 * The one configuration module of the server.
 *
 * Sources, highest precedence first: CLI flags, environment (PORT, FLIGHTDECK_HOST, FLIGHTDECK_DATA_DIR),
 * `<dataDir>/config.json` (zod-validated), defaults. The data directory defaults to `~/.flightdeck`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BUILTIN_RULE_IDS,
  checkRulePattern,
  MAX_EXTRA_RULES,
  MAX_RULE_PATTERN,
  RULE_ID_RE,
} from '@flightdeck/core';
import { AGENT_CLIS, DEFAULT_HOST_OFFLINE_AFTER_MS, sshConfigSchema } from '@flightdeck/shared-types';
import { z } from 'zod';
import { databaseUrlSchema, resolveDatabaseUrl } from './database-url.js';

export const DEFAULT_PORT = 3333;
export const DEFAULT_HOST = '127.0.0.1';
export const CONFIG_FILE_NAME = 'config.json';

export const hookDensitySchema = z.enum(['high', 'medium', 'low']);
export type HookDensity = z.infer<typeof hookDensitySchema>;

const autoIdleMs = z
  .number()
  .int()
  .min(1000)
  .max(7 * 86_400_000);

const usdPerMTok = z.number().min(0).max(10_000);
const modelPrice = z
  .object({
    input: usdPerMTok,
    output: usdPerMTok,
    cacheRead: usdPerMTok,
    cacheWrite5m: usdPerMTok,
    cacheWrite1h: usdPerMTok,
  })
  .strict();

/** An agent CLI's absolute path (no metacharacters: it is spawned as argv[0], never through a shell). */
const terminalCliPath = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9_./+@-]+$/, 'an absolute path (letters, digits, _ . / + @ -)')
  .refine((p) => !p.split('/').includes('..'), 'no .. in the path');

/** A redaction rule of one's own: its pattern must pass the core's ReDoS guard (`checkRulePattern`). */
const extraRedactionRule = z
  .object({
    id: z.string().regex(RULE_ID_RE, 'lower-case letters, digits and - (at most 40)'),
    pattern: z.string().min(1).max(MAX_RULE_PATTERN),
    caseInsensitive: z.boolean().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const why = checkRulePattern(rule.pattern, rule.caseInsensitive === true);
    if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['pattern'], message: why });
  });

/** Secret redaction at ingest (redaction.ts): the built-in rules less `disable`, plus `extra`. */
export const redactionConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    disable: z
      .array(
        z.string().refine((id) => BUILTIN_RULE_IDS.includes(id), {
          message: `unknown rule (rules: ${BUILTIN_RULE_IDS.join(', ')})`,
        }),
      )
      .max(BUILTIN_RULE_IDS.length)
      .default([]),
    extra: z.array(extraRedactionRule).max(MAX_EXTRA_RULES).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    const seen = new Set<string>(BUILTIN_RULE_IDS);
    r.extra.forEach((rule, i) => {
      if (seen.has(rule.id))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['extra', i, 'id'],
          message: `"${rule.id}" is taken`,
        });
      seen.add(rule.id);
    });
  });

/** The contents of `<dataDir>/config.json`. Unknown keys are kept (forward compatibility). */
export const configFileSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(DEFAULT_PORT),
    host: z.string().min(1).max(255).default(DEFAULT_HOST),
    /** Team mode: a PostgreSQL URL (`postgres://user:pass@host:5432/db`); absent = SQLite in the data dir. */
    database: databaseUrlSchema.optional(),
    /** Extra host names accepted in the Host header (DNS-rebinding protection), e.g. `my-box.local`. */
    allowedHosts: z.array(z.string().min(1).max(255)).default([]),
    /** Extra origins allowed to make cross-origin browser requests, e.g. `http://my-box.local:5173`. */
    allowedOrigins: z.array(z.string().url()).default([]),
    hookDensity: hookDensitySchema.default('medium'),
    /** Hook ingest requests per second per source IP (POST /api/hooks and /api/hooks/batch). */
    hookRateLimitPerSecond: z.number().int().min(1).max(1_000_000).default(200),
    debug: z.boolean().default(false),
    /** PID liveness check interval (ms). */
    processCheckInterval: z.number().int().min(250).max(3_600_000).default(15_000),
    /** A host (issue 19) not heard from for this long is shown offline (ms). */
    hostOfflineAfterMs: z.number().int().min(1000).max(86_400_000).default(DEFAULT_HOST_OFFLINE_AFTER_MS),
    enabledClis: z.array(z.enum(AGENT_CLIS)).default(['claude']),
    /** `salt:hash` (scrypt, hex) or null when no password is set. */
    passwordHash: z
      .string()
      .regex(/^[0-9a-f]{32}:[0-9a-f]{128}$/, 'must be "salt:hash" as written by `flightdeck password set`')
      .nullable()
      .default(null),
    /**
     * Asked by `flightdeck setup`: prompts, responses, tool calls and lifecycle events (and raw hook events) older
     * than this are pruned (retention/, every 30 min by default); sessions stay listed in History with their titles and notes.
     */
    sessionRetentionHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24),
    /**
     * Days raw hook events (`hook_events`) are kept at most (`sessionRetentionHours` when shorter); older ones are
     * pruned on start and hourly, except those after the last checkpoint (a restart replays them).
     */
    hookEventRetentionDays: z.number().positive().max(3650).default(30),
    /** Minutes an ended session stays in memory (on the board); then it is in History only. */
    endedSessionMemoryMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .default(60),
    /** Open the browser on start. */
    openBrowser: z.boolean().default(true),
    /**
     * Auto-idle timeout per status, ms (spec §4.3 defaults: prompting 30 s, waiting 120 s, working 180 s, approval
     * and input 600 s). A working session with a tool call still open and its agent process alive stays working
     * whatever this says.
     */
    autoIdleMs: z
      .object({
        prompting: autoIdleMs,
        waiting: autoIdleMs,
        working: autoIdleMs,
        approval: autoIdleMs,
        input: autoIdleMs,
      })
      .partial()
      .strict()
      .default({}),
    /**
     * Held approvals (PermissionRequest hooks that wait for a decision from Flightdeck): how long a hook is held,
     * seconds per CLI (defaults: Claude 3600, its dialog shows meanwhile; Codex 20, its hook blocks its prompt).
     */
    approvals: z
      .object({
        holdSeconds: z
          .object({
            claude: z.number().int().min(1).max(86_400),
            codex: z.number().int().min(1).max(86_400),
          })
          .partial()
          .strict()
          .default({}),
      })
      .default({ holdSeconds: {} }),
    /**
     * Secrets (API keys, tokens, private keys, .env-style assignments, URL passwords) are replaced by
     * `[REDACTED:<rule>]` in every accepted input before anything is stored or broadcast.
     */
    redaction: redactionConfigSchema.default({ enabled: true, disable: [], extra: [] }),
    /** The transcript follower (what hooks miss: interrupts, API errors, compactions, the assistant's text). */
    transcripts: z.object({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    /** Terminals (issue 16): open at most `max` (spec §8.7), each replaying its last `bufferBytes` of output. */
    terminals: z
      .object({
        max: z.number().int().min(1).max(100).default(10),
        bufferBytes: z
          .number()
          .int()
          .min(4096)
          .max(16 * 1024 * 1024)
          .default(128 * 1024),
        /** Where each agent CLI is for `terminals.launch` / `resume` (absolute paths); unset: found on PATH. */
        cli: z
          .object({
            claude: terminalCliPath.optional(),
            codex: terminalCliPath.optional(),
            gemini: terminalCliPath.optional(),
          })
          .strict()
          .default({}),
      })
      .default({ max: 10, bufferBytes: 128 * 1024, cli: {} }),
    /**
     * Prices over the shipped table (@flightdeck/core `DEFAULT_PRICING`): model id → USD per million tokens. A model
     * priced nowhere shows its tokens and "price unknown".
     */
    pricing: z.record(z.string().min(1).max(200), modelPrice).default({}),
    /** SSH hosts for terminals and launches (`ssh.addHost` / Settings → SSH hosts). */
    ssh: sshConfigSchema.default({ hosts: [] }),
  })
  .passthrough();
export type ConfigFile = z.infer<typeof configFileSchema>;
/** What `config.json` may hold (defaults filled in by the schema). */
export type ConfigFileInput = z.input<typeof configFileSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags that the CLI accepts and that influence configuration. */
export interface ConfigFlags {
  port?: number | undefined;
  host?: string | undefined;
  dataDir?: string | undefined;
  debug?: boolean | undefined;
  open?: boolean | undefined;
  /** `--database URL` (PostgreSQL). */
  database?: string | undefined;
}

export interface ResolvedConfig {
  dataDir: string;
  configPath: string;
  /** Whether config.json existed when loaded. */
  exists: boolean;
  file: ConfigFile;
  port: number;
  host: string;
  debug: boolean;
  open: boolean;
  dbPath: string;
  /** The PostgreSQL URL the server runs on (`--database` > config.json `database`), or null: SQLite at `dbPath`. */
  database: string | null;
  spoolDir: string;
  hooksDir: string;
}

export function resolveDataDir(flags: ConfigFlags, env: NodeJS.ProcessEnv): string {
  const dir = flags.dataDir ?? env.FLIGHTDECK_DATA_DIR ?? join(homedir(), '.flightdeck');
  if (dir.trim() === '') throw new ConfigError('data directory must not be empty');
  return resolve(dir);
}

function formatZodIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => `${where}: field "${issue.path.join('.') || '(root)'}": ${issue.message}`)
    .join('\n');
}

/** Reads and validates config.json; returns defaults when it does not exist. Throws ConfigError when it is invalid. */
export function readConfigFile(configPath: string): { file: ConfigFile; exists: boolean } {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { file: configFileSchema.parse({}), exists: false };
    throw new ConfigError(`cannot read ${configPath}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${configPath} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration\n${formatZodIssues(parsed.error, configPath)}`);
  return { file: parsed.data, exists: true };
}

/** Writes config.json atomically (temp file + rename), readable by the owner only (it may hold the password hash). */
export function writeConfigFile(configPath: string, file: ConfigFile): void {
  const parsed = configFileSchema.parse(file);
  const dir = resolve(configPath, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${configPath}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(parsed, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, configPath);
}

function parsePortValue(value: string | number, source: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${source}: port must be an integer between 0 and 65535, got "${value}"`);
  }
  return n;
}

/** Resolves the full configuration. Port: `--port` > `PORT` > config > 3333. Host: `--host` > `FLIGHTDECK_HOST` > config > 127.0.0.1. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const dataDir = resolveDataDir(flags, env);
  const configPath = join(dataDir, CONFIG_FILE_NAME);
  const { file, exists } = readConfigFile(configPath);
  let port = file.port;
  if (env.PORT !== undefined && env.PORT !== '') port = parsePortValue(env.PORT, 'environment variable PORT');
  if (flags.port !== undefined) port = parsePortValue(flags.port, '--port');
  let host = file.host;
  if (env.FLIGHTDECK_HOST) host = env.FLIGHTDECK_HOST;
  if (flags.host !== undefined) host = flags.host;
  if (host.trim() === '') throw new ConfigError('--host must not be empty');
  return {
    dataDir,
    configPath,
    exists,
    file,
    port,
    host,
    debug: flags.debug === true || file.debug,
    open: flags.open ?? file.openBrowser,
    dbPath: join(dataDir, 'flightdeck.db'),
    database: resolveDatabaseUrl(file.database, flags.database, (m) => new ConfigError(m)),
    spoolDir: join(dataDir, 'spool'),
    hooksDir: join(dataDir, 'hooks'),
  };
}

/** Mutable holder of the config file, used by procedures that change it (password, density). */
export interface ConfigStore {
  get(): ConfigFile;
  update(patch: Partial<ConfigFile>): ConfigFile;
  /** Checks config.json for edits by other processes now (the server calls it on a short timer). */
  refresh(): void;
  /** Called with the new and the previous configuration on every change, from `update` or from the file. */
  subscribe(listener: (next: ConfigFile, previous: ConfigFile) => void): () => void;
}

/**
 * A store backed by config.json (`configPath: null` keeps changes in memory only). Edits made by other processes
 * (e.g. `flightdeck password set` while the server runs) are picked up: the file is re-read when it changed
 * (inode, size or mtime), checked by `refresh()` and at most once a second by `get()`.
 */
export function createConfigStore(configPath: string | null, initial: ConfigFile): ConfigStore {
  let current = configFileSchema.parse(initial);
  let signature = configPath ? fileSignature(configPath) : '';
  let checkedAt = Date.now();
  const listeners = new Set<(next: ConfigFile, previous: ConfigFile) => void>();
  const set = (next: ConfigFile) => {
    const previous = current;
    current = next;
    for (const listener of listeners) listener(next, previous);
  };
  const refresh = () => {
    if (!configPath) return;
    checkedAt = Date.now();
    const sig = fileSignature(configPath);
    if (sig === signature) return;
    signature = sig;
    if (sig === '') return;
    let next: ConfigFile;
    try {
      next = readConfigFile(configPath).file;
    } catch {
      // keep the last good configuration; the error is reported when the server restarts
      return;
    }
    set(next);
  };
  return {
    get() {
      if (configPath && Date.now() - checkedAt >= 1000) refresh();
      return current;
    },
    update(patch) {
      const next = configFileSchema.parse({ ...current, ...patch });
      if (configPath) {
        writeConfigFile(configPath, next);
        signature = fileSignature(configPath);
      }
      set(next);
      return current;
    },
    refresh,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** What changes when another process rewrites the file (it is replaced by a rename: a new inode). */
export function fileSignature(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}
