/**
 * `flightdeck hooks install --cli claude --telemetry [--to URL --token T]`: the `env` entries of Claude Code's
 * settings.json that make it export its OpenTelemetry events to a Flightdeck OTLP receiver (`/v1/logs`,
 * `/v1/metrics`), opt-in. Without `--to` the receiver is this machine's server (`http://127.0.0.1:<port>`, the hook
 * token of the data dir); with it, a central Flightdeck this machine forwards to (`flightdeck forward`), reached
 * directly with the host's token (the central receiver counts those records for that host's sessions only).
 *
 * - Only the keys below are written, inside `env`; every other byte of the file stays as it was (the same
 *   text-preserving edits as the hooks). A key the user set to something else (their own collector, say) is left
 *   alone with a warning: Flightdeck never redirects someone's telemetry. And when the endpoint is someone else's,
 *   no token of ours is written beside it: it would be sent to their collector.
 * - `OTEL_EXPORTER_OTLP_HEADERS` carries the token (`Authorization=Bearer <token>`): the hook token when the data
 *   directory has one (without it the local receiver accepts the exports only while no password is set: a warning
 *   says so), or the host token given with `--to`.
 * - Which entries are Flightdeck's is read from the file alone (no record elsewhere, so an uninstall from another
 *   data dir, or after the data dir is gone, still finds them): the fixed values of the first four keys; the header
 *   when it is `Authorization=Bearer ` + a hook token (64 hex digits) or a host token (`fdh_` + 64 hex digits) and
 *   the endpoint beside it is Flightdeck's or absent; the endpoint when it is a loopback `http://` URL with a port
 *   (the local server), or an http(s) URL written the way `--to` writes it (no trailing slash, query or
 *   credentials) **and** the header beside it holds a host token. A host token is something only Flightdeck
 *   issues, so that pair cannot be a user's own collector, whereas a remote URL alone could be anyone's. Recording
 *   the pair in the data dir instead was rejected: the settings file would no longer say by itself what is ours.
 * - Uninstall removes exactly the entries that are Flightdeck's, and `env` itself when that leaves it empty; an
 *   install removes an entry of ours it no longer wants (a token header once the data dir has no token).
 */
import path from 'node:path';
import { unifiedDiff } from './diff.js';
import {
  type Append,
  applySplices,
  type ChildAction,
  detectStyle,
  editContainer,
  type JsonNode,
  type JsonObjectNode,
  JsonSyntaxError,
  nodeValue,
  parseJsonText,
} from './jsonText.js';
import { assertWritable, atomicWrite, InstallError, readTarget } from './safeFs.js';

export interface TelemetryTarget {
  /** The receiver's base URL, e.g. `http://127.0.0.1:3333` (the exporter appends `/v1/logs`). */
  endpoint: string;
  /** The hook token (local) or a host token (`--to`), or null when the data directory has none. */
  token: string | null;
}

export const TELEMETRY_KEYS = [
  'CLAUDE_CODE_ENABLE_TELEMETRY',
  'OTEL_LOGS_EXPORTER',
  'OTEL_METRICS_EXPORTER',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const;
type TelemetryKey = (typeof TELEMETRY_KEYS)[number];
const ENDPOINT = 'OTEL_EXPORTER_OTLP_ENDPOINT';
const HEADERS = 'OTEL_EXPORTER_OTLP_HEADERS';

/** A host token (`flightdeck hosts add <name>` on the central server). */
export const HOST_TOKEN_SHAPE = /^fdh_[0-9a-f]{64}$/;
const HOOK_TOKEN_HEADER = /^Authorization=Bearer [0-9a-f]{64}$/;
const HOST_TOKEN_HEADER = /^Authorization=Bearer fdh_[0-9a-f]{64}$/;
const LOCAL_ENDPOINT = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/;
/** `localhost`, `[::1]` and `127.x.y.z` written as a strict dotted quad. */
const LOOPBACK_HOST = /^(localhost|\[::1\]|127(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})$/;

/** Why `--to` was refused. */
export class TelemetryUrlError extends Error {}

/**
 * The `--to` URL as the exporter's base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`: the exporter appends `/v1/logs`, so no
 * trailing slash), and whether the token would travel in clear (plain `http://` to a host that is not loopback).
 * Throws TelemetryUrlError naming what is wrong.
 */
export function remoteEndpoint(to: string): { endpoint: string; cleartext: boolean } {
  const example = 'e.g. https://flightdeck.example.com or http://10.0.0.1:3333';
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new TelemetryUrlError(`--to must be an http(s) URL (${example}), got ${JSON.stringify(to)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TelemetryUrlError(`--to must be an http(s) URL (${example}), got ${JSON.stringify(to)}`);
  if (url.username !== '' || url.password !== '')
    throw new TelemetryUrlError('--to must not carry credentials: the host token goes in --token');
  if (url.search !== '' || url.hash !== '')
    throw new TelemetryUrlError(
      `--to must be the server's base URL, without a query or fragment (the exporter appends /v1/logs), got ${JSON.stringify(to)}`,
    );
  const base = url.pathname.replace(/\/+$/, '');
  if (/\/v1\/(logs|metrics|traces)$/.test(base))
    throw new TelemetryUrlError(
      `--to must be the server's base URL: the exporter appends ${base.slice(base.lastIndexOf('/v1/'))} itself, got ${JSON.stringify(to)}`,
    );
  return {
    endpoint: `${url.origin}${base}`,
    cleartext: url.protocol === 'http:' && !LOOPBACK_HOST.test(url.hostname),
  };
}

/** Whether `value` is an endpoint written the way `--to` writes it. */
function isRemoteEndpoint(value: string): boolean {
  try {
    return remoteEndpoint(value).endpoint === value;
  } catch {
    return false;
  }
}

/** The entries to write. */
export function telemetryEnv(target: TelemetryTarget): Partial<Record<TelemetryKey, string>> {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: target.endpoint,
    ...(target.token ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${target.token}` } : {}),
  };
}

/**
 * Whether `value` is one Flightdeck writes for `key` (any port, any token), given the other entries of the same
 * `env` (`siblings`): the endpoint and the header vouch for each other (see the module comment).
 */
export function isFlightdeckValue(
  key: string,
  value: unknown,
  siblings: Readonly<Record<string, unknown>> = {},
): boolean {
  if (typeof value !== 'string') return false;
  switch (key) {
    case 'CLAUDE_CODE_ENABLE_TELEMETRY':
      return value === '1';
    case 'OTEL_LOGS_EXPORTER':
    case 'OTEL_METRICS_EXPORTER':
      return value === 'otlp';
    case 'OTEL_EXPORTER_OTLP_PROTOCOL':
      return value === 'http/json';
    case ENDPOINT: {
      if (LOCAL_ENDPOINT.test(value)) return true;
      const header = siblings[HEADERS];
      return typeof header === 'string' && HOST_TOKEN_HEADER.test(header) && isRemoteEndpoint(value);
    }
    case HEADERS: {
      if (!HOOK_TOKEN_HEADER.test(value) && !HOST_TOKEN_HEADER.test(value)) return false;
      const endpoint = siblings[ENDPOINT];
      return (
        endpoint === undefined || isFlightdeckValue(ENDPOINT, endpoint, { ...siblings, [HEADERS]: value })
      );
    }
    default:
      return false;
  }
}

export interface TelemetryEdit {
  text: string;
  warnings: string[];
}

function parseSettings(file: string, text: string): JsonObjectNode | null {
  if (text.trim() === '') return null;
  let root: JsonNode;
  try {
    root = parseJsonText(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new InstallError(
        'INVALID_JSON',
        file,
        `${file} is not valid JSON: ${e.reason} at line ${e.line}, column ${e.column}. The file was left untouched.`,
      );
    }
    throw e;
  }
  if (root.kind !== 'object')
    throw new InstallError('INVALID_SHAPE', file, `${file}: expected a JSON object at the top`);
  return root;
}

function envOf(file: string, root: JsonObjectNode | null): JsonObjectNode | null {
  const prop = root ? [...root.props].reverse().find((p) => p.key === 'env') : undefined;
  if (!prop) return null;
  if (prop.value.kind !== 'object')
    throw new InstallError('INVALID_SHAPE', file, `${file}: "env" is not an object; left untouched`);
  return prop.value;
}

/** The values of `env` by key (the last of duplicates, as JSON.parse reads them). */
function valuesOf(env: JsonObjectNode): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const p of env.props) out[p.key] = nodeValue(p.value);
  return out;
}

/** The settings text with Flightdeck's telemetry entries added or brought up to date. */
export function addTelemetry(file: string, text: string, target: TelemetryTarget): TelemetryEdit {
  const root = parseSettings(file, text);
  const style = detectStyle(text, root);
  const want = telemetryEnv(target);
  const warnings: string[] = [];
  if (!target.token) {
    warnings.push(
      'no hook token in the data directory: the exports carry none, which the receiver accepts only while no password is set (after `flightdeck password set`, run this again to add it)',
    );
  }
  if (!root) {
    const body = JSON.stringify({ env: want }, null, style.indentUnit).split('\n').join(style.eol);
    return { text: `${body}${style.eol}`, warnings };
  }
  const env = envOf(file, root);
  if (!env) {
    const splices = editContainer(text, root, [], [{ key: 'env', value: want }], style);
    return { text: applySplices(text, splices), warnings };
  }
  const current = valuesOf(env);
  const ours = (key: string) => isFlightdeckValue(key, current[key], current);
  // Someone else's endpoint stays, and no token of ours goes beside it (it would be sent to their collector).
  const foreignEndpoint = ENDPOINT in current && current[ENDPOINT] !== want[ENDPOINT] && !ours(ENDPOINT);
  const actions: ChildAction[] = env.props.map(() => ({ kind: 'keep' }));
  const present = new Set<string>();
  env.props.forEach((p, i) => {
    if (!(TELEMETRY_KEYS as readonly string[]).includes(p.key)) return;
    present.add(p.key);
    const desired = want[p.key as TelemetryKey];
    const value = nodeValue(p.value);
    if (value === desired) return;
    if (!ours(p.key)) {
      if (desired !== undefined)
        warnings.push(`env.${p.key} is set to ${JSON.stringify(value)} already: left as it is`);
    } else if (desired === undefined) actions[i] = { kind: 'remove' };
    else actions[i] = { kind: 'replace', value: desired };
  });
  if (foreignEndpoint && want[HEADERS] !== undefined && !present.has(HEADERS)) {
    warnings.push(
      `env.${HEADERS} not written: the endpoint is not Flightdeck's, and the token is not sent to another collector`,
    );
  }
  const appends: Append[] = Object.entries(want)
    .filter(([k]) => !present.has(k) && !(k === HEADERS && foreignEndpoint))
    .map(([key, value]) => ({ key, value }));
  return { text: applySplices(text, editContainer(text, env, actions, appends, style)), warnings };
}

/** The settings text without Flightdeck's telemetry entries (and without `env` when nothing else is in it). */
export function removeTelemetry(file: string, text: string): TelemetryEdit {
  const root = parseSettings(file, text);
  const env = envOf(file, root);
  if (!root || !env) return { text, warnings: [] };
  const style = detectStyle(text, root);
  const current = valuesOf(env);
  const ours = env.props.map(
    (p) =>
      (TELEMETRY_KEYS as readonly string[]).includes(p.key) &&
      isFlightdeckValue(p.key, nodeValue(p.value), current),
  );
  if (!ours.includes(true)) return { text, warnings: [] };
  if (ours.every(Boolean)) {
    const actions: ChildAction[] = root.props.map((p) => ({ kind: p.value === env ? 'remove' : 'keep' }));
    return { text: applySplices(text, editContainer(text, root, actions, [], style)), warnings: [] };
  }
  const actions: ChildAction[] = ours.map((o) => ({ kind: o ? 'remove' : 'keep' }));
  return { text: applySplices(text, editContainer(text, env, actions, [], style)), warnings: [] };
}

export interface TelemetryResult {
  file: string;
  changed: boolean;
  diff: string;
  warnings: string[];
  dryRun: boolean;
}

async function edit(
  file: string,
  dryRun: boolean,
  change: (text: string) => TelemetryEdit,
  secret: string | null = null,
): Promise<TelemetryResult> {
  const target = await readTarget(file);
  const before = target.text ?? '';
  const { text, warnings } = change(before);
  const changed = text !== before;
  const name = path.basename(file);
  const diff = changed ? unifiedDiff(before, text, `a/${name}`, `b/${name}`) : '';
  // The token is as private as the file holding it.
  if (secret !== null && text.includes(secret) && target.mode !== null && (target.mode & 0o077) !== 0) {
    warnings.push(
      `${file} is readable by other users (mode ${(target.mode & 0o777).toString(8)}), and so is the token in it: chmod 600 it`,
    );
  }
  if (changed && !dryRun) {
    await assertWritable(target);
    await atomicWrite(target.path, target.realPath, text, {
      mode: target.mode ?? 0o600,
      uid: target.uid,
      gid: target.gid,
      expectCurrent: target.text,
    });
  }
  return { file, changed, diff, warnings, dryRun };
}

/** Adds (or updates) the telemetry entries in Claude Code's settings `file`. */
export function installTelemetry(opts: {
  file: string;
  target: TelemetryTarget;
  dryRun?: boolean;
}): Promise<TelemetryResult> {
  return edit(
    opts.file,
    opts.dryRun === true,
    (t) => addTelemetry(opts.file, t, opts.target),
    opts.target.token,
  );
}

/** Removes Flightdeck's telemetry entries from Claude Code's settings `file`. */
export function uninstallTelemetry(opts: { file: string; dryRun?: boolean }): Promise<TelemetryResult> {
  return edit(opts.file, opts.dryRun === true, (t) => removeTelemetry(opts.file, t));
}

/** Where Claude Code's OpenTelemetry export points, as `hooks status` reports it. */
export interface TelemetryStatus {
  file: string;
  /** `CLAUDE_CODE_ENABLE_TELEMETRY` is `1` (else Claude Code exports nothing, whatever the rest says). */
  enabled: boolean;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`, or null when unset. */
  endpoint: string | null;
  /**
   * `local`: this machine's Flightdeck (loopback); `remote`: a central Flightdeck, with a host token (`--to`);
   * `other`: an endpoint that is not Flightdeck's (the user's own collector); null: no endpoint.
   */
  points: 'local' | 'remote' | 'other' | null;
  /** The token the exports carry: Flightdeck's hook token, a host token, none, or someone else's header. */
  token: 'hook' | 'host' | 'none' | 'other';
}

/** Reads where Claude Code's settings `file` sends its OpenTelemetry (throws InstallError on invalid JSON). */
export async function telemetryStatus(file: string): Promise<TelemetryStatus> {
  const text = (await readTarget(file)).text ?? '';
  const env = envOf(file, parseSettings(file, text));
  const current = env ? valuesOf(env) : {};
  const endpoint = typeof current[ENDPOINT] === 'string' ? current[ENDPOINT] : null;
  const header = current[HEADERS];
  const ours = (key: string) => isFlightdeckValue(key, current[key], current);
  const points =
    endpoint === null ? null : !ours(ENDPOINT) ? 'other' : LOCAL_ENDPOINT.test(endpoint) ? 'local' : 'remote';
  const token =
    header === undefined
      ? 'none'
      : typeof header === 'string' && ours(HEADERS)
        ? HOST_TOKEN_HEADER.test(header)
          ? 'host'
          : 'hook'
        : 'other';
  return { file, enabled: current.CLAUDE_CODE_ENABLE_TELEMETRY === '1', endpoint, points, token };
}
