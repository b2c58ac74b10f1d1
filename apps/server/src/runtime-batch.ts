/**
 * One batch of inputs, reduced and staged: the raw events are encoded for the store (an event that cannot be
 * stored is refused alone, before it changes anything), already delivered ones are skipped, every input goes
 * through `core.reduce` in order, and the result is staged for the store as one write. What the batch changed is
 * returned for the runtime to broadcast, with the effects the shell must carry out.
 */
import { getOwn } from '@flightdeck/core';
import type { ApprovalDecisionRecord, Session } from '@flightdeck/shared-types';
import type { Logger, ShellEffect } from './effects/index.js';
import type {
  CommitBatch,
  CoreInput,
  CorePort,
  CoreState,
  Effect,
  IngestEvent,
  PreparedEvent,
  StorePort,
} from './ports.js';
import type { RuntimeStatsRecorder } from './runtime-stats.js';

export interface BatchItem {
  input: CoreInput;
  /** The raw event to store with it (hook events); null for every other input. */
  ingest: IngestEvent | null;
  /**
   * Look the ingest id up among stored and staged events first (spool records, events with their sender's id): a
   * server-generated id cannot repeat, so those skip the lookup.
   */
  checkStore: boolean;
  /** Time the input is reduced at (replayed events: when they were received). Default: the batch's time. */
  at?: number;
  /**
   * Another server's (several servers on one PostgreSQL, store/cluster.ts): a hook event it stored (`event`: in
   * the event log already, so not stored again) or an input it applied (`input`: a decision). Reduced and
   * broadcast here; of its effects only timers run (the processes, held hooks, alerts and terminals are the owning
   * server's), and its approval and usage records are the owner's to write.
   */
  foreign?: 'event' | 'input';
  /** Ingest id of a logged event reduced without being stored (replayed on start, another server's). */
  logged?: string;
}

/** The effects a foreign input runs here: timers (so the status here follows as it does on the owning server). */
const FOREIGN_EFFECTS: ReadonlySet<string> = new Set(['arm-timer', 'cancel-timer']);

export interface ItemResult {
  rejected: string[];
  effects: Effect[];
  duplicate: boolean;
  refused?: string;
}

/** Ids a batch changed or removed; the last word about an id wins. */
class ChangeSet {
  readonly changed = new Set<string>();
  readonly removed = new Set<string>();
  change(id: string) {
    this.changed.add(id);
    this.removed.delete(id);
  }
  remove(id: string) {
    this.removed.add(id);
    this.changed.delete(id);
  }
}

export interface BatchOutcome {
  state: CoreState;
  results: ItemResult[];
  /** Resolves when the batch is committed. */
  committed: Promise<void>;
  sessions: ChangeSet;
  teams: ChangeSet;
  rekeys: Array<{ oldId: string; newId: string }>;
  /** Sessions that left memory (retention): no longer broadcast, their rows stay stored. */
  evicted: string[];
  /** Effects for the shell's handlers, in the order the core returned them. */
  shellEffects: ShellEffect[];
  /** Held approvals the batch closed (persisted with it; broadcast by the runtime). */
  approvals: ApprovalDecisionRecord[];
  /** The inputs of timers armed by another server's inputs (they fire as that server's too). */
  foreignTimers: CoreInput[];
  /** This server's inputs that changed the state and are not hook events (several servers share them). */
  unlogged: CoreInput[];
}

type UsageEffect = Extract<Effect, { type: 'usage-recorded' }>;

export interface BatchDeps {
  core: CorePort;
  store: StorePort;
  log: Logger;
  stats: RuntimeStatsRecorder;
}

/** The ingest ids of a batch to look up among the stored and staged events (`BatchItem.checkStore`). */
export function idsToLookUp(items: ReadonlyArray<BatchItem>): string[] {
  const lookup: string[] = [];
  for (const i of items) if (i.ingest !== null && i.checkStore) lookup.push(i.ingest.ingestId);
  return lookup;
}

/** `delivered`: which of the batch's `idsToLookUp` the store has already (looked up before the batch). */
export function applyBatch(
  deps: BatchDeps,
  state: CoreState,
  items: ReadonlyArray<BatchItem>,
  delivered: ReadonlySet<string>,
  t: number,
): BatchOutcome {
  const { core, store, log, stats } = deps;
  let next = state;
  const sessionIds = new ChangeSet();
  const teamIds = new ChangeSet();
  const rekeys: BatchOutcome['rekeys'] = [];
  const evicted: string[] = [];
  const shellEffects: ShellEffect[] = [];
  const approvals: ApprovalDecisionRecord[] = [];
  /** The records of this server's own inputs (stored with the batch). */
  const ownApprovals: ApprovalDecisionRecord[] = [];
  const usage: Array<Pick<UsageEffect, 'sessionId' | 'records'>> = [];
  const events: PreparedEvent[] = [];
  const results: ItemResult[] = [];
  const seenInBatch = new Set<string>();
  /** Sessions changed by this server's own inputs (the ones it writes). */
  const ownChanged = new Set<string>();
  /** Sessions changed by another server's inputs. */
  const foreignChanged = new Set<string>();
  const foreignTimers: CoreInput[] = [];
  /** Which sessions each logged event changed, when the store follows it (`StorePort.tracksApplied`). */
  const applied: NonNullable<CommitBatch['applied']> | null = store.tracksApplied ? [] : null;
  /** An input that is not a logged hook event changed the state: the event log cannot replay it. */
  let mustCheckpoint = false;
  /** Those of them that are this server's own (not replayed, not another server's). */
  const unlogged: CoreInput[] = [];

  for (const item of items) {
    if (item.ingest) {
      const id = item.ingest.ingestId;
      if (delivered.has(id) || seenInBatch.has(id)) {
        results.push({ rejected: [], effects: [], duplicate: true });
        stats.counters.duplicates += 1;
        continue;
      }
      let prepared: PreparedEvent;
      try {
        prepared = store.prepareEvent(item.ingest);
      } catch (err) {
        // It cannot be stored: refused alone, before it changes anything; the rest of the batch goes on.
        const reason = `event cannot be stored: ${err instanceof Error ? err.message : String(err)}`;
        log.warn({ ingestId: id, reason }, 'hook event refused');
        stats.counters.refused += 1;
        results.push({ rejected: [], effects: [], duplicate: false, refused: reason });
        continue;
      }
      seenInBatch.add(id);
      events.push(prepared);
    }
    let out: { state: CoreState; effects: Effect[] };
    try {
      out = core.reduce(next, item.input, item.at ?? t);
    } catch (err) {
      // The core promises never to throw; if it does, keep the event (raw) and skip its state change.
      log.error({ err, input: item.input.type }, 'core reduce threw');
      if (applied && (item.ingest?.ingestId ?? item.logged) !== undefined)
        applied.push({ ingestId: (item.ingest?.ingestId ?? item.logged) as string, sessions: [] });
      results.push({
        rejected: [`internal error: ${(err as Error).message}`],
        effects: [],
        duplicate: false,
      });
      continue;
    }
    if (!item.ingest && item.foreign !== 'event' && out.state !== next) {
      mustCheckpoint = true;
      if (!item.foreign && item.logged === undefined) unlogged.push(item.input);
    }
    next = out.state;
    const logged = applied ? (item.ingest?.ingestId ?? item.logged) : undefined;
    const touched: string[] | null = logged !== undefined ? [] : null;
    const rejected: string[] = [];
    for (const eff of out.effects) {
      switch (eff.type) {
        case 'session-changed': {
          sessionIds.change(eff.sessionId);
          touched?.push(eff.sessionId);
          // Another server's event: that server writes the session's rows (two servers writing the same rows
          // would wait on each other's locks, or deadlock).
          if (item.foreign) {
            foreignChanged.add(eff.sessionId);
            break;
          }
          ownChanged.add(eff.sessionId);
          // Before the next inputs push unwritten entries out of its rings (a long batch of one session).
          const changed = getOwn(next.sessions, eff.sessionId);
          if (changed) store.keepRings(changed);
          break;
        }
        case 'session-removed':
          sessionIds.remove(eff.sessionId);
          break;
        case 'session-evicted':
          sessionIds.changed.delete(eff.sessionId);
          evicted.push(eff.sessionId);
          break;
        case 'session-rekeyed':
          rekeys.push({ oldId: eff.oldId, newId: eff.newId });
          break;
        case 'team-changed':
          teamIds.change(eff.teamId);
          break;
        case 'team-removed':
          teamIds.remove(eff.teamId);
          break;
        case 'rejected':
          rejected.push(eff.reason);
          break;
        case 'approval-closed':
          approvals.push(eff.record);
          if (!item.foreign) ownApprovals.push(eff.record);
          break;
        case 'usage-recorded':
          if (!item.foreign) usage.push({ sessionId: eff.sessionId, records: eff.records });
          break;
        default:
          if (!item.foreign || FOREIGN_EFFECTS.has(eff.type)) shellEffects.push(eff);
          if (item.foreign && eff.type === 'arm-timer') foreignTimers.push(eff.input);
      }
    }
    if (touched && logged !== undefined) applied?.push({ ingestId: logged, sessions: touched });
    results.push({ rejected, effects: out.effects, duplicate: false });
  }

  const sessions: Session[] = [];
  for (const id of sessionIds.changed) {
    const s = getOwn(next.sessions, id);
    if (!s) sessionIds.removed.add(id);
    else if (ownChanged.has(id)) sessions.push(s);
  }
  const foreignOnly = [...foreignChanged].filter((id) => !ownChanged.has(id));
  const committed = store.stage({
    events,
    sessions,
    removedSessionIds: [...sessionIds.removed],
    ...(evicted.length > 0 ? { evictedSessionIds: evicted } : {}),
    rekeys,
    ...(ownApprovals.length > 0 ? { approvals: ownApprovals } : {}),
    ...(usage.length > 0 ? { usage } : {}),
    coreState: next,
    stateChanged: next !== state,
    ...(foreignOnly.length > 0 ? { foreignSessionIds: foreignOnly } : {}),
    checkpoint: mustCheckpoint,
    ...(applied && applied.length > 0 ? { applied } : {}),
  });
  stats.batch(items.length, events.length);
  return {
    state: next,
    results,
    committed,
    sessions: sessionIds,
    teams: teamIds,
    rekeys,
    evicted,
    shellEffects,
    approvals,
    foreignTimers,
    unlogged,
  };
}
