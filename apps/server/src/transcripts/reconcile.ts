/**
 * Which transcript files the follower follows (see `follower.ts`): each live session's own transcript, and, for
 * Claude Code, each of its subagents' transcripts (2.1.328 writes a subagent to a file of its own,
 * `<dir>/<session>/subagents/agent-<id>.jsonl`, next to the session's `<dir>/<session>.jsonl`). A file whose session
 * ended, or whose subagent is done, gets a last read (what it wrote last, its final usage) and is let go; a done
 * subagent's file is not followed again while its session lives (after a restart, its cursor says it was read).
 */
import { basename, dirname, join } from 'node:path';
import { transcriptParserFor } from '@flightdeck/hook-ingest';
import type { Session } from '@flightdeck/shared-types';
import { type Follow, newFollow } from './follow.js';

/** A subagent's own transcript. */
export interface SubagentFile {
  key: string;
  agentId: string;
  path: string;
  done: boolean;
}

const AGENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The transcripts of a session's subagents: where the hook said (SubagentStop), else where the CLI writes them. */
export function subagentFiles(
  s: Pick<Session, 'sessionId' | 'cli' | 'transcriptPath' | 'subagents'>,
): SubagentFile[] {
  const main = s.transcriptPath;
  if (s.cli !== 'claude' || !main?.endsWith('.jsonl') || !Array.isArray(s.subagents)) return [];
  const dir = join(dirname(main), basename(main, '.jsonl'), 'subagents');
  return s.subagents
    .filter((a) => AGENT_ID.test(a.agentId))
    .map((a) => ({
      key: `${s.sessionId}\u0000${a.agentId}`,
      agentId: a.agentId,
      path: a.transcriptPath?.endsWith('.jsonl') ? a.transcriptPath : join(dir, `agent-${a.agentId}.jsonl`),
      done: a.status === 'done',
    }));
}

export interface ReconcileContext {
  follows: Map<string, Follow>;
  sessions(): Session[];
  /** Sessions that started from this time on are read from their start. */
  createdAt: number;
  add(f: Follow, lastActivityAt: number): void;
  activity(f: Follow, lastActivityAt: number): void;
  wake(f: Follow, full: boolean): Promise<void>;
  drop(f: Follow): void;
}

export function createReconciler(ctx: ReconcileContext): () => void {
  const { follows } = ctx;
  /** Subagent files read to their end once done (by follow key), forgotten with their session. */
  const finished = new Set<string>();
  /**
   * Sessions that ended before they were ever followed (a `codex exec` or `gemini -p` run shorter than the
   * reconcile interval), given one read of their whole file: what hooks miss (failures, usage) is not lost.
   */
  const lastReads = new Set<string>();

  function retire(f: Follow) {
    if (f.retiring) return;
    f.retiring = true;
    if (f.agentId !== null) finished.add(f.key);
    void ctx.wake(f, true).finally(() => {
      if (follows.get(f.key) === f) ctx.drop(f);
    });
  }

  function follow(f: Follow, lastActivityAt: number, live: Set<string>) {
    follows.set(f.key, f);
    ctx.add(f, lastActivityAt);
    live.add(f.key);
    void ctx.wake(f, true);
  }

  function subagents(s: Session, live: Set<string>) {
    for (const sub of subagentFiles(s)) {
      const f = follows.get(sub.key);
      if (f) {
        live.add(sub.key);
        if (sub.done) retire(f);
        continue;
      }
      if (finished.has(sub.key)) continue;
      const parser = transcriptParserFor(s.cli, sub.path);
      if (!parser) continue;
      const nf = newFollow(s.sessionId, sub.path, parser, true, sub.agentId);
      follow(nf, s.lastActivityAt, live);
      if (sub.done) retire(nf);
    }
  }

  /** One read of an ended session's file it never followed (only of a session started while this server ran). */
  function lastRead(s: Session, known: Set<string>) {
    known.add(s.sessionId);
    if (lastReads.has(s.sessionId) || follows.has(s.sessionId) || s.startedAt < ctx.createdAt) return;
    const parser = s.transcriptPath ? transcriptParserFor(s.cli, s.transcriptPath) : null;
    if (!parser || !s.transcriptPath) return;
    lastReads.add(s.sessionId);
    const f = newFollow(s.sessionId, s.transcriptPath, parser, true);
    follows.set(f.key, f);
    ctx.add(f, s.lastActivityAt);
    retire(f);
  }

  return () => {
    const live = new Set<string>();
    const sessions = new Set<string>();
    const ended = new Set<string>();
    for (const s of ctx.sessions()) {
      if (s.status === 'ended' && s.transcriptPath) lastRead(s, ended);
      if (s.status === 'ended' || !s.transcriptPath) continue;
      sessions.add(s.sessionId);
      subagents(s, live);
      const f = follows.get(s.sessionId);
      if (f && f.path === s.transcriptPath) {
        live.add(s.sessionId);
        ctx.activity(f, s.lastActivityAt);
        continue;
      }
      const parser = transcriptParserFor(s.cli, s.transcriptPath);
      if (!parser) continue;
      if (f) ctx.drop(f);
      follow(
        newFollow(s.sessionId, s.transcriptPath, parser, s.startedAt >= ctx.createdAt),
        s.lastActivityAt,
        live,
      );
    }
    for (const f of [...follows.values()]) if (!live.has(f.key)) retire(f);
    for (const id of lastReads) if (!ended.has(id)) lastReads.delete(id);
    for (const key of finished) if (!sessions.has(key.slice(0, key.indexOf('\u0000')))) finished.delete(key);
  };
}
