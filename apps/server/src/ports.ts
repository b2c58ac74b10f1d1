/**
 * What the shell needs from the core and from persistence, as small interfaces. `adapters.ts` binds them to
 * @flightdeck/core and @flightdeck/db.
 */
import type { HookEnvelope, Session } from '@flightdeck/shared-types';

export type { CoreInput, CoreState, Effect } from '@flightdeck/core';

import type { CoreInput, CoreState, Effect } from '@flightdeck/core';

export interface CorePort {
  initialState(): CoreState;
  reduce(state: CoreState, input: CoreInput, now: number): { state: CoreState; effects: Effect[] };
  rehydrate(state: CoreState, now: number): Effect[];
}

/** One raw hook event as persisted (`hook_events`). */
export interface IngestEvent {
  ingestId: string;
  envelope: HookEnvelope;
  receivedAt: number;
}

export interface CommitBatch {
  events: IngestEvent[];
  sessions: Session[];
  removedSessionIds: string[];
  rekeys: Array<{ oldId: string; newId: string }>;
  coreState: CoreState;
  /** False when no input changed the state (e.g. only duplicates). */
  stateChanged: boolean;
}

export interface StorePort {
  loadCoreState(): CoreState | null;
  hasIngestIds(ids: readonly string[]): Set<string>;
  /** ONE transaction; throws on failure (nothing written). */
  commit(batch: CommitBatch): void;
}
