/**
 * Where a registered hook command delivers its events: the one source of truth that `hooks status`, the server's
 * delivery check and `flightdeck doctor` all read, so hooks and server cannot silently disagree.
 *
 * A command of ours is `[VAR=value …] sh <script> <cli>`. The spool it writes to is, in order:
 * `FLIGHTDECK_SPOOL=` set in the command itself, else the `FD_SPOOL_DEFAULT=` line of the script it runs (the
 * installer writes `<dataDir>/spool` there), where `${HOME}` is the agent's home directory.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { HOOK_SCRIPT_SPOOL_DEFAULT_VAR } from '../hook-script.js';
import { shellQuote } from './hookScript.js';

export interface HookDelivery {
  /** The spool directory the command writes to, or null when it cannot be told. */
  spoolDir: string | null;
  /** How it was found: `command` (FLIGHTDECK_SPOOL=… in the command), `script` (FD_SPOOL_DEFAULT=…). */
  source: 'command' | 'script' | null;
  /** The script the command runs (null when the command is not `… sh <script> …`). */
  script: string | null;
  /** Why `spoolDir` is null. */
  problem?: string;
}

/** One shell word at the start of `s` (bare, '…' or "…" without expansions); null when it is not simple. */
function shellWord(s: string): { word: string; rest: string } | null {
  let i = 0;
  let word = '';
  while (i < s.length && !/\s/.test(s[i]!)) {
    const c = s[i]!;
    if (c === "'") {
      const close = s.indexOf("'", i + 1);
      if (close < 0) return null;
      word += s.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const close = s.indexOf('"', i + 1);
      if (close < 0) return null;
      const inner = s.slice(i + 1, close);
      if (/[`\\]|\$\(/.test(inner)) return null;
      word += inner;
      i = close + 1;
    } else if (c === '\\') {
      word += s[i + 1] ?? '';
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  return { word, rest: s.slice(i).replace(/^\s+/, '') };
}

/** `${HOME}` / `$HOME` / a leading `~` expanded; null when another variable is left. */
function expandHome(value: string, home: string): string | null {
  const v = value.replace(/^~(?=\/|$)/, home).replace(/\$\{HOME\}|\$HOME(?![A-Za-z0-9_])/g, home);
  return v.includes('$') ? null : v;
}

/** Splits `[VAR=value …] sh <script> …` into its assignments and script path. */
export function parseHookCommand(command: string): { env: Record<string, string>; script: string | null } {
  const env: Record<string, string> = {};
  let rest = command.trim();
  for (;;) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(rest);
    if (!m) break;
    const w = shellWord(rest.slice(m[0].length));
    if (!w) return { env, script: null };
    env[m[1]!] = w.word;
    rest = w.rest;
  }
  if (rest.startsWith('env ')) rest = rest.slice(4).trimStart();
  const sh = shellWord(rest);
  if (!sh || !/(^|\/)(sh|dash|bash)$/.test(sh.word)) return { env, script: null };
  const script = shellWord(sh.rest);
  return { env, script: script && script.word !== '' ? script.word : null };
}

/** The value of the script's `FD_SPOOL_DEFAULT=` line (unquoted), or null. */
export function spoolDefaultOfScript(text: string): string | null {
  const re = new RegExp(`^${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}=(.*)$`, 'm');
  const m = re.exec(text);
  if (!m) return null;
  const w = shellWord(m[1]!.trim());
  return w ? w.word : null;
}

/** Where `command` delivers its events (see the module comment). `home`: the agent's HOME. */
export async function hookDelivery(command: string, home: string): Promise<HookDelivery> {
  const { env, script } = parseHookCommand(command);
  const fromCommand = env.FLIGHTDECK_SPOOL;
  if (fromCommand !== undefined && fromCommand !== '') {
    const dir = expandHome(fromCommand, home);
    return dir
      ? { spoolDir: path.resolve(dir), source: 'command', script }
      : { spoolDir: null, source: null, script, problem: `FLIGHTDECK_SPOOL=${fromCommand} uses a variable` };
  }
  if (!script) return { spoolDir: null, source: null, script, problem: 'not a `sh <script>` command' };
  let text: string;
  try {
    text = await fs.readFile(script, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return { spoolDir: null, source: null, script, problem: `cannot read the hook script (${code})` };
  }
  const value = spoolDefaultOfScript(text);
  if (value === null) {
    return {
      spoolDir: null,
      source: null,
      script,
      problem: `the hook script has no ${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}= line`,
    };
  }
  const dir = expandHome(value, home);
  return dir
    ? { spoolDir: path.resolve(dir), source: 'script', script }
    : {
        spoolDir: null,
        source: null,
        script,
        problem: `${HOOK_SCRIPT_SPOOL_DEFAULT_VAR}=${value} uses a variable`,
      };
}

/** The command that makes `cli`'s hooks deliver to `dataDir` (printed by `hooks status` and `doctor`). */
export function reinstallCommand(cli: string, dataDir: string): string {
  return `flightdeck hooks install --cli ${cli} --data-dir ${shellQuote(dataDir)}`;
}
