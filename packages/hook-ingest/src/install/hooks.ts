import fs from 'node:fs/promises';
import path from 'node:path';
import { hookDelivery, parseHookCommand } from './delivery.js';
import {
  buildHookGroup,
  CODEX_HOLD_MAX_SECONDS,
  CODEX_HOLD_MIN_SECONDS,
  codexHoldOf,
  DEFAULT_CODEX_HOLD_SECONDS,
  DEFAULT_DENSITY,
  type Density,
  eventsFor,
  HOLD_EVENT,
  HOLD_FLAG,
  HOOK_MARKER,
  type InstallCli,
  isCodexHoldSeconds,
  isFlightdeckHandler,
} from './density.js';
import { unifiedDiff } from './diff.js';
import {
  type Append,
  applySplices,
  type ChildAction,
  deepEqual,
  detectStyle,
  editContainer,
  type JsonArrayNode,
  type JsonNode,
  type JsonObjectNode,
  type JsonProp,
  JsonSyntaxError,
  nodeValue,
  parseJsonText,
  type Splice,
  type TextStyle,
} from './jsonText.js';
import { type InstallManifest, readManifest, removeManifest, writeManifest } from './manifest.js';
import {
  assertWritable,
  atomicWrite,
  InstallError,
  type ResolvedFile,
  readTarget,
  writeBackup,
} from './safeFs.js';
import type { InstallTargets } from './targets.js';

// ---------------------------------------------------------------------------------------------
// Reading and classifying a settings file

type GroupKind = 'foreign' | 'ours' | 'mixed';

interface GroupInfo {
  node: JsonNode;
  kind: GroupKind;
  value: unknown;
  handlersArray: JsonArrayNode | null;
  /** Indexes (in handlersArray) of our handlers. */
  ours: number[];
  foreignHandlers: number;
}

interface EventInfo {
  key: string;
  prop: JsonProp;
  array: JsonArrayNode;
  groups: GroupInfo[];
}

interface Analysis {
  text: string;
  /** null when the file is missing, empty or whitespace only. */
  root: JsonObjectNode | null;
  hooksProp: JsonProp | null;
  hooks: JsonObjectNode | null;
  events: EventInfo[];
  style: TextStyle;
}

/** The unified diff of an edit of `file`, labelled `a/<name>` → `b/<name>`. */
function fileDiff(file: string, before: string, after: string): string {
  const name = path.basename(file);
  return unifiedDiff(before, after, `a/${name}`, `b/${name}`);
}

function kindName(n: JsonNode): string {
  return n.kind === 'object' ? 'an object' : n.kind === 'array' ? 'an array' : `a ${n.kind}`;
}

function classifyGroup(node: JsonNode): GroupInfo {
  const value = nodeValue(node);
  if (node.kind !== 'object')
    return { node, kind: 'foreign', value, handlersArray: null, ours: [], foreignHandlers: 1 };
  const arr = [...node.props].reverse().find((p) => p.key === 'hooks')?.value;
  if (arr?.kind !== 'array') {
    return { node, kind: 'foreign', value, handlersArray: null, ours: [], foreignHandlers: 1 };
  }
  const ours: number[] = [];
  arr.items.forEach((h, i) => {
    if (isFlightdeckHandler(nodeValue(h))) ours.push(i);
  });
  const foreignHandlers = arr.items.length - ours.length;
  const kind: GroupKind = ours.length === 0 ? 'foreign' : foreignHandlers === 0 ? 'ours' : 'mixed';
  return { node, kind, value, handlersArray: arr, ours, foreignHandlers };
}

function analyze(cli: InstallCli, file: string, text: string): Analysis {
  if (text.trim() === '') {
    return { text, root: null, hooksProp: null, hooks: null, events: [], style: detectStyle(text, null) };
  }
  let root: JsonNode;
  try {
    root = parseJsonText(text, { allowComments: cli === 'gemini' });
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      throw new InstallError(
        'INVALID_JSON',
        file,
        `${file} is not valid JSON: ${e.reason} at line ${e.line}, column ${e.column} (offset ${e.offset}). The file was left untouched; fix it (or restore a backup) and run again.`,
        { cause: e },
      );
    }
    throw e;
  }
  const style = detectStyle(text, root);
  if (root.kind !== 'object') {
    throw new InstallError(
      'INVALID_SHAPE',
      file,
      `${file}: the top-level value is ${kindName(root)}, expected an object. The file was left untouched.`,
    );
  }
  const hookProps = root.props.filter((p) => p.key === 'hooks');
  if (hookProps.length > 1) {
    throw new InstallError(
      'INVALID_SHAPE',
      file,
      `${file}: the key "hooks" appears ${hookProps.length} times. The file was left untouched.`,
    );
  }
  const hooksProp = hookProps[0] ?? null;
  if (!hooksProp) return { text, root, hooksProp: null, hooks: null, events: [], style };
  const hooks = hooksProp.value;
  if (hooks.kind !== 'object') {
    throw new InstallError(
      'INVALID_SHAPE',
      file,
      `${file}: "hooks" is ${kindName(hooks)}, expected an object. The file was left untouched.`,
    );
  }
  const seen = new Set<string>();
  const events: EventInfo[] = [];
  for (const prop of hooks.props) {
    if (seen.has(prop.key)) {
      throw new InstallError(
        'INVALID_SHAPE',
        file,
        `${file}: "hooks.${prop.key}" appears more than once. The file was left untouched.`,
      );
    }
    seen.add(prop.key);
    if (prop.value.kind !== 'array') {
      throw new InstallError(
        'INVALID_SHAPE',
        file,
        `${file}: "hooks.${prop.key}" is ${kindName(prop.value)}, expected an array of hook groups. The file was left untouched.`,
      );
    }
    events.push({ key: prop.key, prop, array: prop.value, groups: prop.value.items.map(classifyGroup) });
  }
  return { text, root, hooksProp, hooks, events, style };
}

// ---------------------------------------------------------------------------------------------
// Planning edits

interface Plan {
  text: string;
  /** Event keys this run created. */
  createdEvents: string[];
  /** Event keys this run removed. */
  removedEvents: string[];
  createdHooksKey: boolean;
  removedHooksKey: boolean;
  warnings: string[];
}

interface PlanInput {
  analysis: Analysis;
  /** Events that must carry exactly one Flightdeck group (empty = uninstall). */
  desired: readonly string[];
  buildGroup: (event: string) => Record<string, unknown>;
  /** May an event key that ends up empty after removing our entries be deleted? */
  mayDeleteEvent: (key: string) => boolean;
  mayDeleteHooksKey: boolean;
}

function plan(input: PlanInput): Plan {
  const { analysis, desired, buildGroup } = input;
  const { text, style } = analysis;
  const warnings: string[] = [];
  const createdEvents: string[] = [];
  const removedEvents: string[] = [];

  const freshHooks = (): Record<string, unknown> => {
    const h: Record<string, unknown> = {};
    for (const e of desired) {
      h[e] = [buildGroup(e)];
      createdEvents.push(e);
    }
    return h;
  };

  if (analysis.root === null) {
    if (desired.length === 0) {
      return { text, createdEvents, removedEvents, createdHooksKey: false, removedHooksKey: false, warnings };
    }
    const body = JSON.stringify({ hooks: freshHooks() }, null, 2);
    return {
      text: `${body}\n`,
      createdEvents,
      removedEvents,
      createdHooksKey: true,
      removedHooksKey: false,
      warnings,
    };
  }

  const root = analysis.root;
  if (!analysis.hooks || !analysis.hooksProp) {
    if (desired.length === 0) {
      return { text, createdEvents, removedEvents, createdHooksKey: false, removedHooksKey: false, warnings };
    }
    const splices = editContainer(text, root, [], [{ key: 'hooks', value: freshHooks() }], style);
    return {
      text: applySplices(text, splices),
      createdEvents,
      removedEvents,
      createdHooksKey: true,
      removedHooksKey: false,
      warnings,
    };
  }

  const hooks = analysis.hooks;
  const eventActions: ChildAction[] = [];
  let remainingEvents = 0;
  for (const ev of analysis.events) {
    const want = desired.includes(ev.key);
    const wanted = want ? buildGroup(ev.key) : null;
    const groupActions: ChildAction[] = [];
    let keptOurs = false;
    let changed = false;
    for (const g of ev.groups) {
      if (g.kind === 'foreign') {
        groupActions.push({ kind: 'keep' });
      } else if (g.kind === 'mixed' && g.handlersArray) {
        const handlerActions: ChildAction[] = g.handlersArray.items.map((_, i) =>
          g.ours.includes(i) ? { kind: 'remove' } : { kind: 'keep' },
        );
        groupActions.push({
          kind: 'edit',
          splices: editContainer(text, g.handlersArray, handlerActions, [], style),
        });
        warnings.push(
          `${ev.key}: removed a Flightdeck handler from a hook group shared with other hooks (the group itself was kept)`,
        );
        changed = true;
      } else if (wanted && !keptOurs) {
        keptOurs = true;
        if (deepEqual(g.value, wanted)) {
          groupActions.push({ kind: 'keep' });
        } else {
          groupActions.push({ kind: 'replace', value: wanted });
          changed = true;
        }
      } else {
        groupActions.push({ kind: 'remove' });
        changed = true;
      }
    }
    const appends: Append[] = wanted && !keptOurs ? [{ value: wanted }] : [];
    if (appends.length > 0) changed = true;
    const keptGroups = groupActions.filter((a) => a.kind !== 'remove').length + appends.length;
    if (!changed) {
      eventActions.push({ kind: 'keep' });
      remainingEvents++;
    } else if (keptGroups === 0 && ev.groups.length > 0 && input.mayDeleteEvent(ev.key)) {
      eventActions.push({ kind: 'remove' });
      removedEvents.push(ev.key);
    } else {
      eventActions.push({
        kind: 'edit',
        splices: editContainer(text, ev.array, groupActions, appends, style),
      });
      remainingEvents++;
    }
  }
  const present = new Set(analysis.events.map((e) => e.key));
  const eventAppends: Append[] = [];
  for (const e of desired) {
    if (!present.has(e)) {
      eventAppends.push({ key: e, value: [buildGroup(e)] });
      createdEvents.push(e);
    }
  }
  remainingEvents += eventAppends.length;

  if (remainingEvents === 0 && input.mayDeleteHooksKey && removedEvents.length > 0) {
    const rootActions: ChildAction[] = root.props.map((p) =>
      p === analysis.hooksProp ? { kind: 'remove' } : { kind: 'keep' },
    );
    const splices = editContainer(text, root, rootActions, [], style);
    return {
      text: applySplices(text, splices),
      createdEvents,
      removedEvents,
      createdHooksKey: false,
      removedHooksKey: true,
      warnings,
    };
  }
  const splices: Splice[] = editContainer(text, hooks, eventActions, eventAppends, style);
  return {
    text: applySplices(text, splices),
    createdEvents,
    removedEvents,
    createdHooksKey: false,
    removedHooksKey: false,
    warnings,
  };
}

/**
 * Defence in depth: after planning, re-parse the result and prove that (1) every key other than
 * `hooks`, and every hook group / handler that is not ours, is semantically unchanged, and (2) our
 * entries are exactly the desired ones. Any mismatch aborts before anything is written.
 */
function verify(
  cli: InstallCli,
  file: string,
  before: Analysis,
  afterText: string,
  desired: readonly string[],
  buildGroup: (e: string) => unknown,
): Analysis {
  let after: Analysis;
  try {
    after = analyze(cli, file, afterText);
  } catch (e) {
    throw new InstallError(
      'IO',
      file,
      `internal error: the edited ${file} would not parse (${String(e)}); nothing was changed`,
    );
  }
  const rootVal = (a: Analysis): Record<string, unknown> =>
    a.root ? (nodeValue(a.root) as Record<string, unknown>) : {};
  const bv = rootVal(before);
  const av = rootVal(after);
  const keys = new Set([...Object.keys(bv), ...Object.keys(av)]);
  keys.delete('hooks');
  for (const k of keys) {
    if (!deepEqual(bv[k], av[k])) {
      throw new InstallError(
        'IO',
        file,
        `internal error: editing ${file} would change the key "${k}"; nothing was changed`,
      );
    }
  }
  const foreignOf = (a: Analysis): Map<string, unknown[]> => {
    const m = new Map<string, unknown[]>();
    for (const ev of a.events) {
      const kept: unknown[] = [];
      for (const g of ev.groups) {
        if (g.kind === 'foreign') kept.push(g.value);
        else if (g.kind === 'mixed') {
          const v = g.value as Record<string, unknown>;
          kept.push({ ...v, hooks: (v.hooks as unknown[]).filter((h) => !isFlightdeckHandler(h)) });
        }
      }
      if (kept.length > 0) m.set(ev.key, kept);
    }
    return m;
  };
  const bf = foreignOf(before);
  const af = foreignOf(after);
  const evs = new Set([...bf.keys(), ...af.keys()]);
  for (const e of evs) {
    if (!deepEqual(bf.get(e) ?? [], af.get(e) ?? [])) {
      throw new InstallError(
        'IO',
        file,
        `internal error: editing ${file} would change other hooks under "${e}"; nothing was changed`,
      );
    }
  }
  for (const ev of after.events) {
    const ours = ev.groups.filter((g) => g.kind !== 'foreign');
    const want = desired.includes(ev.key);
    const ok = want
      ? ours.length === 1 && ours[0]?.kind === 'ours' && deepEqual(ours[0].value, buildGroup(ev.key))
      : ours.length === 0;
    if (!ok)
      throw new InstallError(
        'IO',
        file,
        `internal error: Flightdeck entries under "${ev.key}" are not as planned; nothing was changed`,
      );
  }
  for (const e of desired) {
    if (!after.events.some((ev) => ev.key === e)) {
      throw new InstallError(
        'IO',
        file,
        `internal error: "${e}" missing after editing ${file}; nothing was changed`,
      );
    }
  }
  return after;
}

// ---------------------------------------------------------------------------------------------
// Public API

export interface InstallHooksOptions {
  cli: InstallCli;
  density: Density;
  targets: InstallTargets;
  /**
   * Command that runs the hook script, e.g. `sh '/home/me/.flightdeck/hooks/flightdeck-hook.sh'`.
   * The CLI name is appended (`… claude`). Must contain `flightdeck-hook` (our ownership marker).
   */
  hookCommand: string;
  dryRun?: boolean;
  /**
   * Installed CLI version when known (Claude Code: events newer than an old version are skipped,
   * because before 2.1.122 one unknown event name invalidated the whole settings file).
   */
  cliVersion?: string | null;
  /** Clock for backup names and the manifest (default: system clock). */
  now?: () => Date;
  /**
   * Codex only: timeout (seconds, 1..600) of the held PermissionRequest hook, during which Codex waits for an
   * answer from Flightdeck. Default: the value of the last install, else 20.
   */
  codexHoldSeconds?: number;
}

export interface InstallResult {
  cli: InstallCli;
  changed: boolean;
  file: string;
  /** Unified diff of the change ('' when nothing changes). */
  diff: string;
  /** Backup of the original file, written before our first change to it. */
  backup?: string;
  warnings: string[];
  dryRun: boolean;
  /** Events that carry our hook after this run. */
  events: string[];
}

export interface UninstallHooksOptions {
  cli: InstallCli;
  targets: InstallTargets;
  dryRun?: boolean;
  now?: () => Date;
}

export interface DriftItem {
  event: string;
  /**
   * altered: our entry differs from what we recorded (command changed, async added, matcher, …);
   * removed: we installed it, someone removed it; duplicate: more than one of ours under one event;
   * misplaced: our handler sits inside another tool's hook group; unexpected: ours, but not recorded.
   */
  kind: 'altered' | 'removed' | 'duplicate' | 'misplaced' | 'unexpected';
  detail: string;
}

export interface HooksStatusOptions {
  cli: InstallCli;
  targets: InstallTargets;
  /** Density to compare against (default: the recorded one, else medium). */
  density?: Density;
  /** Expected hook command when no manifest exists (optional). */
  hookCommand?: string;
}

export interface HooksStatus {
  cli: InstallCli;
  file: string;
  exists: boolean;
  installed: boolean;
  /** Events where a Flightdeck handler was found. */
  events: string[];
  /** Events of the density that lack our handler. */
  missing: string[];
  drift: DriftItem[];
  /** Hook handlers (and malformed groups) that are not ours. */
  other: number;
  /** Density recorded at install time (null without manifest). */
  recordedDensity: Density | null;
  density: Density;
  warnings: string[];
  /** Hook scripts our registered commands run that do not exist (every hook call would fail). */
  missingScripts: string[];
  /** This data dir's spool: where a server started with this data dir reads events. */
  spoolDir: string;
  /** The spool directories our registered hooks write to (see delivery.ts). */
  deliversTo: string[];
  /**
   * True when every registered hook of ours writes to `spoolDir`; false when one writes elsewhere (a server of
   * this data dir never sees those events); null when none is installed or it cannot be told.
   */
  deliversHere: boolean | null;
  /** Registered hooks whose destination cannot be told, and why. */
  deliveryProblems: string[];
  /** Set when the file cannot be read or parsed; then nothing else is meaningful. */
  error?: string;
}

/** The script path of a `sh <path> …` hook command (our format), or null. */
export function scriptPathFromCommand(command: string): string | null {
  const m = /^\s*sh\s+(?:'((?:[^']|'\\'')*)'|([^\s'"]+))/.exec(command);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] ?? null);
}

function assertHookCommand(hookCommand: string): void {
  if (!hookCommand.includes(HOOK_MARKER) || hookCommand.includes('\n') || hookCommand.trim() === '') {
    throw new InstallError(
      'USAGE',
      hookCommand,
      `hook command must be a single line containing "${HOOK_MARKER}" (that is how Flightdeck recognises its own entries); got ${JSON.stringify(hookCommand)}`,
    );
  }
}

function settingsWarnings(cli: InstallCli, analysis: Analysis): string[] {
  const out: string[] = [];
  const v = analysis.root ? (nodeValue(analysis.root) as Record<string, unknown>) : {};
  if (cli === 'claude' && v.disableAllHooks === true) {
    out.push('"disableAllHooks" is true: Claude Code will not run any hooks until it is removed');
  }
  if (cli === 'gemini') {
    const hc = v.hooksConfig as Record<string, unknown> | undefined;
    if (hc && typeof hc === 'object' && hc.enabled === false) {
      out.push('"hooksConfig.enabled" is false: Gemini CLI will not run any hooks');
    }
    if (hc && Array.isArray(hc.disabled) && hc.disabled.includes('flightdeck')) {
      out.push('"hooksConfig.disabled" lists "flightdeck": Gemini CLI will skip our hook');
    }
  }
  return out;
}

function backupStem(cli: InstallCli, file: string): string {
  return `${cli}-${path.basename(file, path.extname(file))}`;
}

async function loadAnalysis(
  cli: InstallCli,
  file: string,
): Promise<{ target: ResolvedFile; analysis: Analysis }> {
  const target = await readTarget(file);
  const analysis = analyze(cli, file, target.text ?? '');
  return { target, analysis };
}

async function commit(
  cli: InstallCli,
  targets: InstallTargets,
  target: ResolvedFile,
  newText: string,
  manifest: InstallManifest | null,
  now: Date,
): Promise<string | undefined> {
  await assertWritable(target);
  let backup: string | undefined;
  const firstChange = manifest === null;
  if (firstChange && target.exists && target.text !== null) {
    backup = await writeBackup(targets.backupsDir, backupStem(cli, target.path), target.text, now);
  }
  try {
    await atomicWrite(target.path, target.realPath, newText, {
      mode: target.mode ?? 0o600,
      uid: target.uid,
      gid: target.gid,
      expectCurrent: target.text,
    });
  } catch (e) {
    // The change did not happen, so this was not the "first change": drop the backup we just took.
    if (backup) await fs.rm(backup, { force: true }).catch(() => undefined);
    throw e;
  }
  return backup;
}

/** The Codex hold timeout to install: the one asked for (validated), else the last install's, else the default. */
function codexHold(file: string, asked: number | undefined, manifest: InstallManifest | null): number {
  if (asked === undefined) return codexHoldOf(manifest?.entries[HOLD_EVENT]) ?? DEFAULT_CODEX_HOLD_SECONDS;
  if (!isCodexHoldSeconds(asked)) {
    throw new InstallError(
      'USAGE',
      file,
      `the Codex hold time must be a whole number of seconds from ${CODEX_HOLD_MIN_SECONDS} to ${CODEX_HOLD_MAX_SECONDS} (got ${asked})`,
    );
  }
  return asked;
}

/** Add (or repair) Flightdeck's hook entries for one CLI, touching nothing else. */
export async function installHooks(opts: InstallHooksOptions): Promise<InstallResult> {
  const { cli, targets, density } = opts;
  assertHookCommand(opts.hookCommand);
  const file = targets.files[cli];
  const now = (opts.now ?? (() => new Date()))();
  const { target, analysis } = await loadAnalysis(cli, file);
  const manifest = await readManifest(targets.hooksDir, cli, file);
  const desired = eventsFor(cli, density, opts.cliVersion);
  const skipped = eventsFor(cli, density).filter((e) => !desired.includes(e));
  const codexHoldSeconds = codexHold(file, opts.codexHoldSeconds, manifest);
  const buildGroup = (e: string) => buildHookGroup(cli, e, opts.hookCommand, { codexHoldSeconds });
  const created = new Set(manifest?.created.events ?? []);
  const p = plan({
    analysis,
    desired,
    buildGroup,
    mayDeleteEvent: (k) => created.has(k),
    mayDeleteHooksKey: manifest?.created.hooksKey ?? false,
  });
  verify(cli, file, analysis, p.text, desired, buildGroup);
  const changed = p.text !== analysis.text || !target.exists;
  const warnings = [...settingsWarnings(cli, analysis), ...p.warnings];
  if (skipped.length > 0) {
    warnings.push(
      `Claude Code ${opts.cliVersion} predates these events, not registered: ${skipped.join(', ')} (upgrade and re-run install)`,
    );
  }
  if (cli === 'codex' && changed) {
    warnings.push(
      'Codex runs new or changed hooks only after you review and trust them with /hooks inside Codex',
    );
  }
  const diff = changed ? fileDiff(file, analysis.text, p.text) : '';
  const result: InstallResult = {
    cli,
    changed,
    file,
    diff,
    warnings,
    dryRun: opts.dryRun === true,
    events: [...desired],
  };
  const manifestNext: InstallManifest = {
    version: 1,
    cli,
    file,
    density,
    hookCommand: opts.hookCommand,
    installedAt: manifest?.installedAt ?? now.toISOString(),
    entries: Object.fromEntries(desired.map((e) => [e, buildGroup(e)])),
    created: {
      hooksKey:
        (manifest?.created.hooksKey ?? false) || p.createdHooksKey || (!target.exists && desired.length > 0),
      events: [...new Set([...created, ...p.createdEvents])].filter((e) => !p.removedEvents.includes(e)),
    },
    backup: manifest?.backup ?? null,
  };
  if (opts.dryRun) {
    if (changed) {
      try {
        await assertWritable(target);
      } catch (e) {
        warnings.push(e instanceof Error ? e.message : String(e));
      }
    }
    return result;
  }
  if (changed) {
    const backup = await commit(cli, targets, target, p.text, manifest, now);
    if (backup) {
      result.backup = backup;
      manifestNext.backup = backup;
    }
  }
  if (changed || !manifest || !deepEqual(manifest, manifestNext)) {
    await writeManifest(targets.hooksDir, manifestNext);
  }
  return result;
}

/** Remove Flightdeck's hook entries for one CLI; everything else stays byte-identical. */
export async function uninstallHooks(opts: UninstallHooksOptions): Promise<InstallResult> {
  const { cli, targets } = opts;
  const file = targets.files[cli];
  const now = (opts.now ?? (() => new Date()))();
  const { target, analysis } = await loadAnalysis(cli, file);
  const manifest = await readManifest(targets.hooksDir, cli, file);
  const created = new Set(manifest?.created.events ?? []);
  // With a manifest we delete only keys we created; without one, an event key that held nothing but
  // our entries is deleted (an empty array would mean the same to the CLI).
  const p = plan({
    analysis,
    desired: [],
    buildGroup: () => ({}),
    mayDeleteEvent: (k) => (manifest ? created.has(k) : true),
    mayDeleteHooksKey: manifest ? manifest.created.hooksKey : true,
  });
  verify(cli, file, analysis, p.text, [], () => ({}));
  const changed = p.text !== analysis.text;
  const diff = changed ? fileDiff(file, analysis.text, p.text) : '';
  const result: InstallResult = {
    cli,
    changed,
    file,
    diff,
    warnings: p.warnings.filter((w) => !w.includes('removed a Flightdeck handler')),
    dryRun: opts.dryRun === true,
    events: [],
  };
  if (opts.dryRun) return result;
  if (changed) {
    const backup = await commit(cli, targets, target, p.text, manifest, now);
    if (backup) result.backup = backup;
  }
  await removeManifest(targets.hooksDir, cli);
  return result;
}

function describeDifference(expected: unknown, actual: unknown): string {
  const e = (expected ?? {}) as Record<string, unknown>;
  const a = (actual ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (!deepEqual(e.matcher, a.matcher))
    parts.push(`matcher ${JSON.stringify(e.matcher ?? null)} → ${JSON.stringify(a.matcher ?? null)}`);
  const eh = (Array.isArray(e.hooks) ? e.hooks[0] : undefined) as Record<string, unknown> | undefined;
  const ahs = Array.isArray(a.hooks) ? (a.hooks as unknown[]) : [];
  if (ahs.length !== 1) parts.push(`${ahs.length} handlers instead of 1`);
  const ah = (ahs[0] ?? {}) as Record<string, unknown>;
  if (eh) {
    for (const k of new Set([...Object.keys(eh), ...Object.keys(ah)])) {
      if (!deepEqual(eh[k], ah[k])) {
        if (k === 'async' || k === 'asyncRewake')
          parts.push(ah[k] === undefined ? `"${k}" removed` : `"${k}" set to ${JSON.stringify(ah[k])}`);
        else if (!(k in ah)) parts.push(`"${k}" removed`);
        else if (!(k in eh)) parts.push(`"${k}" added (${JSON.stringify(ah[k])})`);
        else parts.push(`${k} ${JSON.stringify(eh[k])} → ${JSON.stringify(ah[k])}`);
      }
    }
  }
  for (const k of Object.keys(a)) if (k !== 'matcher' && k !== 'hooks') parts.push(`group key "${k}" added`);
  return parts.join('; ') || 'differs from the recorded entry';
}

/** Whether every Flightdeck handler under the event runs the hook with `--hold`. */
function holdsPermission(ev: EventInfo): boolean {
  return ev.groups.every((g) =>
    g.ours.every((i) => {
      const command = (nodeValue(g.handlersArray!.items[i]!) as Record<string, unknown>).command;
      return typeof command === 'string' && command.trimEnd().endsWith(` ${HOLD_FLAG}`);
    }),
  );
}

/** Read-only report: what of ours is installed, what is missing, what someone else changed. */
export async function hooksStatus(opts: HooksStatusOptions): Promise<HooksStatus> {
  const { cli, targets } = opts;
  const file = targets.files[cli];
  const manifest = await readManifest(targets.hooksDir, cli, file);
  const density = opts.density ?? manifest?.density ?? DEFAULT_DENSITY;
  const base: HooksStatus = {
    cli,
    file,
    exists: false,
    installed: false,
    events: [],
    missing: [...eventsFor(cli, density)],
    drift: [],
    other: 0,
    recordedDensity: manifest?.density ?? null,
    density,
    warnings: [],
    missingScripts: [],
    spoolDir: targets.spoolDir,
    deliversTo: [],
    deliversHere: null,
    deliveryProblems: [],
  };
  let loaded: { target: ResolvedFile; analysis: Analysis };
  try {
    loaded = await loadAnalysis(cli, file);
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message : String(e) };
  }
  const { target, analysis } = loaded;
  base.exists = target.exists;
  base.warnings = settingsWarnings(cli, analysis);
  const expectedFor = (event: string): unknown | undefined => {
    if (manifest) return manifest.entries[event];
    return opts.hookCommand ? buildHookGroup(cli, event, opts.hookCommand) : undefined;
  };
  const found: string[] = [];
  for (const ev of analysis.events) {
    let oursHere = 0;
    for (const g of ev.groups) {
      base.other += g.foreignHandlers;
      if (g.kind === 'foreign') continue;
      oursHere++;
      if (g.kind === 'mixed') {
        base.drift.push({
          event: ev.key,
          kind: 'misplaced',
          detail: 'Flightdeck handler inside a hook group shared with other hooks',
        });
        continue;
      }
      const expected = expectedFor(ev.key);
      if (manifest && expected === undefined) {
        base.drift.push({
          event: ev.key,
          kind: 'unexpected',
          detail: 'Flightdeck entry not recorded by the last install',
        });
      } else if (expected !== undefined && !deepEqual(expected, g.value)) {
        base.drift.push({ event: ev.key, kind: 'altered', detail: describeDifference(expected, g.value) });
      } else if (expected === undefined) {
        const h = ((g.value as Record<string, unknown>).hooks as Record<string, unknown>[])[0] ?? {};
        if (h.async === true || h.asyncRewake === true) {
          base.drift.push({
            event: ev.key,
            kind: 'altered',
            detail: '"async" set: events may arrive out of order',
          });
        }
      }
    }
    if (oursHere > 1)
      base.drift.push({ event: ev.key, kind: 'duplicate', detail: `${oursHere} Flightdeck entries` });
    if (ev.key === HOLD_EVENT && cli !== 'gemini' && oursHere > 0 && !holdsPermission(ev)) {
      base.warnings.push(
        `${HOLD_EVENT} is registered without ${HOLD_FLAG} (an older install): approvals cannot be answered from Flightdeck; run flightdeck hooks install`,
      );
    }
    if (oursHere > 0) found.push(ev.key);
  }
  if (manifest) {
    for (const e of Object.keys(manifest.entries)) {
      if (!found.includes(e))
        base.drift.push({ event: e, kind: 'removed', detail: 'installed by Flightdeck, no longer present' });
    }
  }
  const scripts = new Set<string>();
  const commands = new Set<string>();
  for (const ev of analysis.events) {
    for (const g of ev.groups) {
      const handlers = g.handlersArray ? g.handlersArray.items.map(nodeValue) : [];
      for (const h of handlers) {
        const cmd = (h as Record<string, unknown> | null)?.command;
        if (isFlightdeckHandler(h) && typeof cmd === 'string') {
          commands.add(cmd);
          const p = scriptPathFromCommand(cmd) ?? parseHookCommand(cmd).script;
          if (p) scripts.add(p);
        }
      }
    }
  }
  for (const p of scripts) {
    try {
      await fs.stat(p);
    } catch {
      base.missingScripts.push(p);
    }
  }
  const destinations = new Set<string>();
  for (const cmd of commands) {
    const d = await hookDelivery(cmd, targets.home);
    if (d.spoolDir) destinations.add(d.spoolDir);
    else if (d.problem && !(d.script && base.missingScripts.includes(d.script)))
      base.deliveryProblems.push(`${cmd}: ${d.problem}`);
  }
  base.deliversTo = [...destinations];
  const here = path.resolve(targets.spoolDir);
  if (destinations.size > 0) base.deliversHere = [...destinations].every((d) => d === here);
  base.events = found;
  base.installed = found.length > 0;
  const expectedEvents =
    manifest && (opts.density === undefined || opts.density === manifest.density)
      ? Object.keys(manifest.entries)
      : eventsFor(cli, density);
  base.missing = expectedEvents.filter((e) => !found.includes(e));
  return base;
}
