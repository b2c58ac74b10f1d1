/**
 * What the history import finds: Claude Code transcripts (`~/.claude/projects/<project>/<session-id>.jsonl` and
 * their subagents' `<session-id>/subagents/*.jsonl`), Codex rollouts (`~/.codex/sessions/**\/rollout-*.jsonl`) and
 * Gemini CLI chats (`~/.gemini/tmp/<project>/chats/session-*.jsonl`, 0.61.0; the older `*.json` documents are found
 * and counted, not imported). A rollout's session id is the UUID its name ends with; a chat file's the `sessionId` of
 * its first line (the name holds only 8 characters of it): the ids the CLIs' hooks carry.
 */
import { open, opendir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AGENT_CLIS, type AgentCli } from '@flightdeck/shared-types';

export const IMPORT_CLIS = AGENT_CLIS;

/** One file to import. */
export interface ImportCandidate {
  path: string;
  cli: AgentCli;
  sessionId: string;
  /** A subagent's transcript: its agent id (the file name without `agent-` and `.jsonl`). */
  agentId: string | null;
  size: number;
  mtimeMs: number;
}

export interface FoundFiles {
  /** Files to import, main transcripts (and rollouts, chat files) before Claude Code subagents'. */
  files: ImportCandidate[];
  /** Files found per CLI (imported or not). */
  found: Record<AgentCli, number>;
  /** Bytes of what was found per CLI. */
  foundBytes: Record<AgentCli, number>;
}

/** Session and agent ids as Claude Code names its files (a UUID, `agent-<hex>`): nothing that could be a path. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** How deep the walk goes below a root (Codex nests by year/month/day). */
const MAX_DEPTH = 6;

async function* walk(dir: string, depth = 0): AsyncGenerator<string> {
  if (depth > MAX_DEPTH) return;
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch {
    return; // missing or unreadable: nothing there
  }
  for await (const e of handle) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, depth + 1);
    else if (e.isFile()) yield p;
  }
}

/** The Claude Code role of a `.jsonl` path under the projects root: main transcript, subagent, or neither. */
export function claudeFileOf(path: string): { sessionId: string; agentId: string | null } | null {
  if (!path.endsWith('.jsonl')) return null;
  const name = basename(path, '.jsonl');
  const parent = dirname(path);
  if (basename(parent) === 'subagents') {
    const sessionId = basename(dirname(parent));
    const agentId = name.startsWith('agent-') ? name.slice('agent-'.length) : name;
    return ID.test(sessionId) && ID.test(agentId) ? { sessionId, agentId } : null;
  }
  return ID.test(name) ? { sessionId: name, agentId: null } : null;
}

export interface ImportRoots {
  claude: string;
  codex: string;
  gemini: string;
}

/** The default roots under a home directory. */
export function defaultRoots(home: string): ImportRoots {
  return {
    claude: join(home, '.claude', 'projects'),
    codex: join(home, '.codex', 'sessions'),
    gemini: join(home, '.gemini', 'tmp'),
  };
}

function isCodexRollout(p: string): boolean {
  return basename(p).startsWith('rollout-') && p.endsWith('.jsonl');
}

function isGeminiChat(p: string): boolean {
  return (p.endsWith('.json') || p.endsWith('.jsonl')) && basename(dirname(p)) === 'chats';
}

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** A rollout's session id: the UUID at the end of its name (`rollout-<time>-<uuid>.jsonl`). */
export function codexSessionOf(path: string): string | null {
  return UUID.exec(basename(path))?.[1] ?? null;
}

/** Bytes read for a chat file's first line. */
const FIRST_LINE_MAX = 64 * 1024;

/** A `.jsonl` chat file's session id: `sessionId` of its first line (the metadata line), or null. */
export async function geminiSessionOf(path: string): Promise<string | null> {
  if (!path.endsWith('.jsonl')) return null;
  let text: string;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(FIRST_LINE_MAX);
      const { bytesRead } = await fh.read(buf, 0, FIRST_LINE_MAX, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  try {
    const meta = JSON.parse(text.slice(0, nl)) as { sessionId?: unknown };
    return typeof meta.sessionId === 'string' && ID.test(meta.sessionId) ? meta.sessionId : null;
  } catch {
    return null;
  }
}

/** Finds the files of `clis` under `roots` (a CLI's root that does not exist has none). */
export async function findFiles(roots: ImportRoots, clis: readonly AgentCli[]): Promise<FoundFiles> {
  const found: Record<AgentCli, number> = { claude: 0, codex: 0, gemini: 0 };
  const foundBytes: Record<AgentCli, number> = { claude: 0, codex: 0, gemini: 0 };
  const main: ImportCandidate[] = [];
  const subs: ImportCandidate[] = [];
  const sizeOf = async (p: string) => {
    try {
      const s = await stat(p);
      return s.isFile() ? { size: s.size, mtimeMs: Math.floor(s.mtimeMs) } : null;
    } catch {
      return null;
    }
  };
  if (clis.includes('claude')) {
    for await (const p of walk(roots.claude)) {
      const role = claudeFileOf(p);
      if (role === null) continue;
      const st = await sizeOf(p);
      if (st === null) continue;
      found.claude += 1;
      foundBytes.claude += st.size;
      (role.agentId === null ? main : subs).push({ path: p, cli: 'claude', ...role, ...st });
    }
  }
  const collect = async (
    cli: 'codex' | 'gemini',
    root: string,
    match: (p: string) => boolean,
    sessionOf: (p: string) => Promise<string | null>,
  ) => {
    for await (const p of walk(root)) {
      if (!match(p)) continue;
      const st = await sizeOf(p);
      if (st === null) continue;
      found[cli] += 1;
      foundBytes[cli] += st.size;
      const sessionId = await sessionOf(p);
      if (sessionId !== null) main.push({ path: p, cli, sessionId, agentId: null, ...st });
    }
  };
  if (clis.includes('codex'))
    await collect('codex', roots.codex, isCodexRollout, async (p) => codexSessionOf(p));
  if (clis.includes('gemini')) await collect('gemini', roots.gemini, isGeminiChat, geminiSessionOf);
  const byPath = (a: ImportCandidate, b: ImportCandidate) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { files: [...main.sort(byPath), ...subs.sort(byPath)], found, foundBytes };
}
