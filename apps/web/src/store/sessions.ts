import type { SessionStatus, Team } from '@flightdeck/shared-types';
import { batch, createSignal } from 'solid-js';
import { createStore, produce, reconcile, unwrap } from 'solid-js/store';
import type { ConnectionState, LiveMessage, LiveSession } from '../data/types.js';

export interface LiveState {
  /**
   * Session summaries (no history arrays; see `LiveSession`), by `storeKey(sessionId)`: read one with
   * `store.session(id)`.
   */
  sessions: Record<string, LiveSession>;
  /** Teams by `storeKey(teamId)`: read one with `store.team(id)`. */
  teams: Record<string, Team>;
  /** Last tracked id received (the server's seq), used to resume after a reconnect. */
  lastId: string | null;
  connection: ConnectionState;
  error: string | null;
  /** True once the first snapshot arrived. */
  loaded: boolean;
}

/**
 * The fields of `LiveSession` the board sorts, filters and groups by (checked against the server's type): when
 * none of them (nor the time of the status) changes, the board layout stays. Fields only a card shows (the host,
 * counters) reach it through the store without a new layout.
 */
export const BOARD_FIELDS = [
  'status',
  'archived',
  'startedAt',
  'endedAt',
  'lastActivityAt',
  'projectName',
  'projectPath',
  'cli',
  'title',
  'label',
  'model',
  'currentTool',
  'currentPrompt',
  'agentName',
] as const satisfies readonly (keyof LiveSession)[];

/** The board-relevant part of a session, as one string (see `BOARD_FIELDS`). */
export function boardKey(s: LiveSession): string {
  let key = String(s.statusReason.at);
  for (const f of BOARD_FIELDS) key += `\u0000${s[f]}`;
  return key;
}

export type TransitionListener = (session: LiveSession, previous: SessionStatus | null) => void;
/** Told the id of each session a live message upserted or removed (after it is applied to the store). */
export type SessionChangeListener = (sessionId: string) => void;

/**
 * The store's key for an id. Solid stores ignore the keys `__proto__`, `constructor` and `prototype`, and a
 * plain record answers inherited members (`toString`) for ids it does not hold: a prefix makes every id an
 * ordinary key.
 */
export function storeKey(id: string): string {
  return `#${id}`;
}

function toRecord<T>(list: T[], key: (v: T) => string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const v of list) out[storeKey(key(v))] = v;
  return out;
}

/**
 * The live session store: a fine-grained Solid store keyed by sessionId. Each message is applied with
 * `reconcile`, so an upsert of one session only touches the properties that changed and only the card
 * reading them re-renders. Messages arriving in bursts are applied once per animation frame.
 */
export function createSessionStore(
  opts: { onTransition?: TransitionListener; schedule?: (fn: () => void) => void } = {},
) {
  const [state, setState] = createStore<LiveState>({
    sessions: {},
    teams: {},
    lastId: null,
    connection: 'connecting',
    error: null,
    loaded: false,
  });
  let queue: Array<{ msg: LiveMessage; id: string | null }> = [];
  const changeListeners = new Set<SessionChangeListener>();
  // Ids changed by the messages being applied; listeners are told once per id after the batch is applied.
  let changed = new Set<string>();
  // Bumped when a board-relevant field of any session changes (or sessions come and go). The board reads plain
  // (unwrapped) session objects and depends on this one signal instead of tracking thousands of store reads.
  const [version, setVersion] = createSignal(0);
  let dirty = false;
  let scheduled = false;
  const schedule =
    opts.schedule ??
    ((fn: () => void) => {
      if (
        typeof requestAnimationFrame === 'function' &&
        typeof document !== 'undefined' &&
        !document.hidden
      ) {
        requestAnimationFrame(fn);
      } else {
        setTimeout(fn, 16);
      }
    });

  function applyOne(msg: LiveMessage, id: string | null): void {
    switch (msg.type) {
      case 'snapshot': {
        const sessions = toRecord(msg.sessions, (s) => s.sessionId);
        if (opts.onTransition && state.loaded) {
          for (const s of Object.values(sessions)) {
            const prev = state.sessions[storeKey(s.sessionId)]?.status ?? null;
            if (prev !== s.status) opts.onTransition(s, prev);
          }
        }
        if (changeListeners.size > 0) {
          for (const s of Object.values(unwrap(state.sessions))) changed.add(s.sessionId);
          for (const s of msg.sessions) changed.add(s.sessionId);
        }
        setState('sessions', reconcile(sessions, { key: 'sessionId' }));
        dirty = true;
        setState(
          'teams',
          reconcile(
            toRecord(msg.teams, (t) => t.teamId),
            { key: 'teamId' },
          ),
        );
        setState('loaded', true);
        break;
      }
      case 'session-upsert': {
        const s = msg.session;
        const key = storeKey(s.sessionId);
        const before = unwrap(state.sessions)[key];
        const prev = before?.status ?? null;
        if (!before || boardKey(before) !== boardKey(s)) dirty = true;
        if (before) {
          setState('sessions', key, reconcile(s, { key: 'sessionId' }));
        } else {
          setState('sessions', key, s);
        }
        if (opts.onTransition && prev !== s.status) opts.onTransition(s, prev);
        changed.add(s.sessionId);
        break;
      }
      case 'session-removed':
        dirty = true;
        changed.add(msg.sessionId);
        setState(
          'sessions',
          produce((all) => {
            delete all[storeKey(msg.sessionId)];
          }),
        );
        break;
      case 'team-upsert':
        if (state.teams[storeKey(msg.team.teamId)])
          setState('teams', storeKey(msg.team.teamId), reconcile(msg.team));
        else setState('teams', storeKey(msg.team.teamId), msg.team);
        break;
      case 'team-removed':
        setState(
          'teams',
          produce((all) => {
            delete all[storeKey(msg.teamId)];
          }),
        );
        break;
    }
    if (id !== null) setState('lastId', id);
  }

  function commitVersion(): void {
    if (dirty) {
      dirty = false;
      setVersion((v) => v + 1);
    }
  }

  function notifyChanged(): void {
    if (changed.size === 0) return;
    const ids = changed;
    changed = new Set();
    for (const listener of [...changeListeners]) for (const sid of ids) listener(sid);
  }

  function flush(): void {
    scheduled = false;
    const items = queue;
    queue = [];
    batch(() => {
      for (const { msg, id } of items) applyOne(msg, id);
      commitVersion();
    });
    notifyChanged();
  }

  return {
    state,
    /** Changes when the board's sort/filter/group inputs may have changed. */
    version,
    /** The session `id` (tracked), if the store holds it. */
    session: (id: string): LiveSession | undefined => state.sessions[storeKey(id)],
    /** The team `id` (tracked), if the store holds it. */
    team: (id: string): Team | undefined => state.teams[storeKey(id)],
    /** Plain (untracked) session objects; read them after `version()` to depend on board-relevant changes. */
    plainSessions: (): LiveSession[] => Object.values(unwrap(state.sessions)),
    /** Queue a live message; applied on the next frame together with any others. */
    push(msg: LiveMessage, id: string | null = null): void {
      queue.push({ msg, id });
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    },
    /** Apply a message immediately (tests, and optimistic local updates). */
    apply(msg: LiveMessage, id: string | null = null): void {
      batch(() => {
        applyOne(msg, id);
        commitVersion();
      });
      notifyChanged();
    },
    /**
     * Listen for sessions changed by live messages (upserted, removed, or present in a snapshot), once per
     * session per applied batch. Returns the unsubscribe function.
     */
    onSessionChange(listener: SessionChangeListener): () => void {
      changeListeners.add(listener);
      return () => {
        changeListeners.delete(listener);
      };
    },
    flush,
    setConnection(connection: ConnectionState, error: string | null = null): void {
      batch(() => {
        setState('connection', connection);
        setState('error', error);
      });
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
