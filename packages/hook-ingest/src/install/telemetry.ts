/**
 * `flightdeck hooks install --cli claude --telemetry`: the `env` entries of Claude Code's settings.json that make it
 * export its OpenTelemetry events to Flightdeck's OTLP receiver (`/v1/logs`, `/v1/metrics`), opt-in.
 *
 * - Only the keys below are written, inside `env`; every other byte of the file stays as it was (the same
 *   text-preserving edits as the hooks). A key the user set to something else (their own collector, say) is left
 *   alone with a warning: Flightdeck never redirects someone's telemetry.
 * - `OTEL_EXPORTER_OTLP_HEADERS` carries the hook token (`Authorization=Bearer <token>`) when the data directory has
 *   one; without it the receiver accepts the exports only while no password is set (a warning says so).
 * - Uninstall removes exactly the entries that hold Flightdeck's values (the endpoint a loopback `http://` URL, the
 *   header a hook token), and `env` itself when that leaves it empty.
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
  /** The hook token, or null when the data directory has none. */
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

/** Whether `value` is one Flightdeck writes for `key` (any port, any hook token). */
export function isFlightdeckValue(key: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  switch (key) {
    case 'CLAUDE_CODE_ENABLE_TELEMETRY':
      return value === '1';
    case 'OTEL_LOGS_EXPORTER':
    case 'OTEL_METRICS_EXPORTER':
      return value === 'otlp';
    case 'OTEL_EXPORTER_OTLP_PROTOCOL':
      return value === 'http/json';
    case 'OTEL_EXPORTER_OTLP_ENDPOINT':
      return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(value);
    case 'OTEL_EXPORTER_OTLP_HEADERS':
      return /^Authorization=Bearer [0-9a-f]{64}$/.test(value);
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
  const actions: ChildAction[] = env.props.map(() => ({ kind: 'keep' }));
  const present = new Set<string>();
  env.props.forEach((p, i) => {
    if (!(p.key in want)) return;
    present.add(p.key);
    const desired = want[p.key as TelemetryKey];
    const value = nodeValue(p.value);
    if (value === desired) return;
    if (isFlightdeckValue(p.key, value)) actions[i] = { kind: 'replace', value: desired };
    else warnings.push(`env.${p.key} is set to ${JSON.stringify(value)} already: left as it is`);
  });
  const appends: Append[] = Object.entries(want)
    .filter(([k]) => !present.has(k))
    .map(([key, value]) => ({ key, value }));
  return { text: applySplices(text, editContainer(text, env, actions, appends, style)), warnings };
}

/** The settings text without Flightdeck's telemetry entries (and without `env` when nothing else is in it). */
export function removeTelemetry(file: string, text: string): TelemetryEdit {
  const root = parseSettings(file, text);
  const env = envOf(file, root);
  if (!root || !env) return { text, warnings: [] };
  const style = detectStyle(text, root);
  const ours = env.props.map(
    (p) =>
      (TELEMETRY_KEYS as readonly string[]).includes(p.key) && isFlightdeckValue(p.key, nodeValue(p.value)),
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
): Promise<TelemetryResult> {
  const target = await readTarget(file);
  const before = target.text ?? '';
  const { text, warnings } = change(before);
  const changed = text !== before;
  const name = path.basename(file);
  const diff = changed ? unifiedDiff(before, text, `a/${name}`, `b/${name}`) : '';
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
  return edit(opts.file, opts.dryRun === true, (t) => addTelemetry(opts.file, t, opts.target));
}

/** Removes Flightdeck's telemetry entries from Claude Code's settings `file`. */
export function uninstallTelemetry(opts: { file: string; dryRun?: boolean }): Promise<TelemetryResult> {
  return edit(opts.file, opts.dryRun === true, (t) => removeTelemetry(opts.file, t));
}
