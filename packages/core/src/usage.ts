/**
 * Tokens and cost of a session, from the `usage` entries the transcript follower reads (pure).
 *
 * - One count per API response (message id + request id). Claude Code writes a message as several lines (one per
 *   content block), each with the usage so far: a line of a response already counted replaces its earlier
 *   count (the last line holds the final usage). The responses recently counted are remembered per file
 *   (`RECENT_PER_FILE`): the lines of a response are written together.
 * - Per transcript file: what each file contributed is kept (per model and subagent), so a file read again from
 *   its start (`restarted`: truncated or replaced) replaces its own contribution instead of adding to it.
 * - Subagents (sidechain entries, `agentId`) are counted per agent and rolled into the session.
 * - Cost: per model, at the pricing table (`pricing.ts`, with the config's overrides); a model without a price
 *   makes the cost of what includes it null ("price unknown"), never a guess.
 * - Every response counted or changed goes out in a `usage-recorded` effect: the shell stores it keyed by session,
 *   message id and request id, so storing it again changes nothing.
 */
import type { SessionUsage, TranscriptEntry, UsageTotals } from '@flightdeck/shared-types';
import { withOtel } from './otel.js';
import { costOf, type PricingTable, priceOf, pricingWith, type TokenCounts } from './pricing.js';
import type { Tx } from './tx.js';
import type { UsageRecord } from './types.js';

/** Responses remembered per file to merge the lines of one response (they are written one after the other). */
export const RECENT_PER_FILE = 32;
/** Transcript files remembered per session (the main transcript, its subagents', a replaced one): oldest merged. */
export const MAX_USAGE_FILES = 64;
/** The `path` of the merged contribution of files no longer remembered. */
const MERGED = '';

type UsageEntry = Extract<TranscriptEntry, { kind: 'usage' }>;

export interface UsageBucket {
  model: string;
  agentId: string | null;
  messages: number;
  t: TokenCounts;
}

export interface RecentUsage {
  key: string;
  model: string;
  agentId: string | null;
  t: TokenCounts;
}

/** What one transcript file contributed to a session's usage. */
export interface UsageFile {
  path: string;
  buckets: UsageBucket[];
  recent: RecentUsage[];
}

const ZERO: TokenCounts = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
};
const TOKEN_KEYS = Object.keys(ZERO) as (keyof TokenCounts)[];

function add(a: TokenCounts, b: TokenCounts, sign = 1): TokenCounts {
  const out = { ...a };
  for (const k of TOKEN_KEYS) out[k] += sign * b[k];
  return out;
}

function same(a: TokenCounts, b: TokenCounts): boolean {
  return TOKEN_KEYS.every((k) => a[k] === b[k]);
}

function countsOf(e: UsageEntry): TokenCounts {
  return {
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cacheReadTokens: e.cacheReadTokens,
    cacheWrite5mTokens: e.cacheWrite5mTokens,
    cacheWrite1hTokens: e.cacheWrite1hTokens,
  };
}

/** The key of one API response. */
export function responseKey(messageId: string, requestId: string | null): string {
  return `${messageId}\u0000${requestId ?? ''}`;
}

function bucketIn(buckets: UsageBucket[], model: string, agentId: string | null): UsageBucket {
  let b = buckets.find((x) => x.model === model && x.agentId === agentId);
  if (!b) {
    b = { model, agentId, messages: 0, t: { ...ZERO } };
    buckets.push(b);
  }
  return b;
}

/** Folds the oldest files into one (they can no longer be read again from their start). */
function capFiles(files: UsageFile[]): UsageFile[] {
  if (files.length <= MAX_USAGE_FILES) return files;
  const merged: UsageFile = { path: MERGED, buckets: [], recent: [] };
  const cut = files.length - MAX_USAGE_FILES + 1;
  for (const f of files.slice(0, cut)) {
    for (const b of f.buckets) {
      const m = bucketIn(merged.buckets, b.model, b.agentId);
      m.messages += b.messages;
      m.t = add(m.t, b.t);
    }
  }
  return [merged, ...files.slice(cut)];
}

/**
 * Applies the `usage` entries of one transcript input read from `path` (`restarted`: the file is read again from
 * its start). Returns whether the session's usage changed; the records to store go out as a `usage-recorded` effect.
 */
export function applyUsage(
  tx: Tx,
  id: string,
  path: string,
  restarted: boolean,
  entries: readonly TranscriptEntry[],
): boolean {
  const list = entries.filter((e): e is UsageEntry => e.kind === 'usage');
  const before = tx.runtime(id).usage ?? [];
  if (list.length === 0 && !(restarted && before.some((f) => f.path === path))) return false;
  const files = before.filter((f) => f.path !== path);
  const old = before.find((f) => f.path === path);
  const file: UsageFile =
    old && !restarted
      ? {
          path,
          buckets: old.buckets.map((b) => ({ ...b })),
          recent: [...old.recent],
        }
      : { path, buckets: [], recent: [] };
  const records: UsageRecord[] = [];
  for (const e of list) {
    const key = responseKey(e.messageId, e.requestId);
    const t = countsOf(e);
    const i = file.recent.findIndex((r) => r.key === key);
    const prev = i >= 0 ? file.recent[i] : undefined;
    if (prev) {
      if (same(prev.t, t) && prev.model === e.model && prev.agentId === e.agentId) continue;
      const was = bucketIn(file.buckets, prev.model, prev.agentId);
      was.t = add(was.t, prev.t, -1);
      was.messages -= 1;
      file.recent.splice(i, 1);
    }
    const b = bucketIn(file.buckets, e.model, e.agentId);
    b.t = add(b.t, t);
    b.messages += 1;
    file.recent.push({ key, model: e.model, agentId: e.agentId, t });
    if (file.recent.length > RECENT_PER_FILE) file.recent.shift();
    records.push({
      messageId: e.messageId,
      requestId: e.requestId,
      agentId: e.agentId,
      model: e.model,
      at: e.at ?? tx.now,
      ...t,
    });
  }
  file.buckets = file.buckets.filter((b) => b.messages > 0);
  const next = capFiles([...files, file]);
  tx.patchRuntime(id, { usage: next });
  const otel = tx.session(id)?.usage.otel;
  tx.patch(id, { usage: withOtel(summarize(next, tx.state.config?.pricing), otel) });
  if (records.length > 0) tx.emit({ type: 'usage-recorded', sessionId: id, records });
  return true;
}

function totals(t: TokenCounts, costUsd: number | null): UsageTotals {
  return { ...t, cacheWriteTokens: t.cacheWrite5mTokens + t.cacheWrite1hTokens, costUsd };
}

/** A key of a record built from input (a model id, an agent id): never a prototype setter. */
function put<V>(rec: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(rec, key, { value, writable: true, enumerable: true, configurable: true });
}

export function emptyUsage(): SessionUsage {
  return { ...totals(ZERO, 0), messages: 0, byModel: {}, byAgent: {} };
}

/** The session's usage from its files' contributions, priced at the shipped table with the config's `overrides`. */
export function summarize(
  files: readonly UsageFile[],
  overrides: Readonly<PricingTable> | undefined,
): SessionUsage {
  const table = pricingWith(overrides);
  const byModel = new Map<string, TokenCounts>();
  const byAgent = new Map<string, Map<string, TokenCounts>>();
  let all = { ...ZERO };
  let messages = 0;
  for (const f of files) {
    for (const b of f.buckets) {
      all = add(all, b.t);
      messages += b.messages;
      byModel.set(b.model, add(byModel.get(b.model) ?? ZERO, b.t));
      if (b.agentId !== null) {
        const m = byAgent.get(b.agentId) ?? new Map<string, TokenCounts>();
        m.set(b.model, add(m.get(b.model) ?? ZERO, b.t));
        byAgent.set(b.agentId, m);
      }
    }
  }
  const costs = (models: Map<string, TokenCounts>): number | null => {
    let sum = 0;
    for (const [model, t] of models) {
      const p = priceOf(model, table);
      if (p === null) return null;
      sum += costOf(t, p);
    }
    return sum;
  };
  const out: SessionUsage = { ...totals(all, costs(byModel)), messages, byModel: {}, byAgent: {} };
  for (const [model, t] of byModel) put(out.byModel, model, totals(t, costs(new Map([[model, t]]))));
  for (const [agent, models] of byAgent) {
    let t = { ...ZERO };
    for (const m of models.values()) t = add(t, m);
    put(out.byAgent, agent, totals(t, costs(models)));
  }
  return out;
}

/** The usage of every session, priced again (the pricing changed). */
export function repriceAll(tx: Tx, ids: Iterable<string>): void {
  for (const id of ids) {
    const files = tx.runtime(id).usage;
    const s = tx.session(id);
    if (!s || !files || files.length === 0) continue;
    tx.patch(id, { usage: withOtel(summarize(files, tx.state.config?.pricing), s.usage.otel) });
  }
}
