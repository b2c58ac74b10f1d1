import type { Session, SessionStatus, Team } from '@flightdeck/shared-types';
import { batch, createSignal } from 'solid-js';
import { createStore, produce, reconcile, unwrap } from 'solid-js/store';
import type { ConnectionState, LiveMessage } from '../data/types.js';

export interface LiveState {
  sessions: Record<string, Session>;
  teams: Record<string, Team>;
  /** Last tracked id received (the server's seq), used to resume after a reconnect. */
  lastId: string | null;
  connection: ConnectionState;
  error: string | null;
  /** True once the first snapshot arrived. */
  loaded: boolean;
}

/** The fields the board sorts, filters and groups by: when none of them changes, the board layout stays. */
export function boardKey(s: Session): string {
  return [
    s.status,
    s.archived,
    s.startedAt,
    s.statusReason.at,
    s.lastActivityAt,
    s.projectName,
    s.projectPath,
    s.cli,
    s.title,
    s.label,
    s.model,
    s.currentTool,
    s.currentPrompt,
    s.agentName,
  ].join('\u0000');
}

export type TransitionListener = (session: Session, previous: SessionStatus | null) => void;

function toRecord<T>(value: T[] | Record<string, T>, key: (v: T) => string): Record<string, T> {
  const list = Array.isArray(value) ? value : Object.values(value);
  const out: Record<string, T> = {};
  for (const v of list) out[key(v)] = v;
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
            const prev = state.sessions[s.sessionId]?.status ?? null;
            if (prev !== s.status) opts.onTransition(s, prev);
          }
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
        const before = unwrap(state.sessions)[s.sessionId];
        const prev = before?.status ?? null;
        if (!before || boardKey(before) !== boardKey(s)) dirty = true;
        if (before) {
          setState('sessions', s.sessionId, reconcile(s, { key: 'sessionId' }));
        } else {
          setState('sessions', s.sessionId, s);
        }
        if (opts.onTransition && prev !== s.status) opts.onTransition(s, prev);
        break;
      }
      case 'session-removed':
        dirty = true;
        setState(
          'sessions',
          produce((all) => {
            delete all[msg.sessionId];
          }),
        );
        break;
      case 'team-upsert':
        if (state.teams[msg.team.teamId]) setState('teams', msg.team.teamId, reconcile(msg.team));
        else setState('teams', msg.team.teamId, msg.team);
        break;
      case 'team-removed':
        setState(
          'teams',
          produce((all) => {
            delete all[msg.teamId];
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

  function flush(): void {
    scheduled = false;
    const items = queue;
    queue = [];
    batch(() => {
      for (const { msg, id } of items) applyOne(msg, id);
      commitVersion();
    });
  }

  return {
    state,
    /** Changes when the board's sort/filter/group inputs may have changed. */
    version,
    /** Plain (untracked) session objects; read them after `version()` to depend on board-relevant changes. */
    plainSessions: (): Session[] => Object.values(unwrap(state.sessions)),
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
