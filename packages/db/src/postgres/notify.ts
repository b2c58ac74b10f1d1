/**
 * LISTEN/NOTIFY for several servers on one PostgreSQL (issue 19): a dedicated connection that LISTENs on channels
 * and comes back after it is lost (the server restarted, the backend was terminated), and the statement a
 * transaction runs to NOTIFY (delivered on commit, in commit order, never replayed: a listener that was away
 * catches up from the tables, told so by `onConnected`).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';

/** Channels are fixed identifiers (LISTEN takes no parameter): only these are accepted. */
const CHANNEL_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgListenerOptions {
  url: string;
  /** The schema the tables are in (as `openPostgres`'s `schema`); only the search path depends on it. */
  schema?: string;
  channels: readonly string[];
  /** A notification: its channel and payload (text as sent). */
  onNotify(channel: string, payload: string): void;
  /**
   * Connected and listening (the first time and after every reconnect): whatever was notified meanwhile is lost,
   * so read the tables now.
   */
  onConnected(): void;
  /** The connection was lost or could not be made (it is retried). */
  onError?(err: unknown): void;
  /** Delay before connecting again, by failures in a row (default 50 ms doubling to 2 s). */
  retryDelayMs?: (failures: number) => number;
}

export interface PgListener {
  /** True while connected and listening. */
  connected(): boolean;
  /** The backend pid of the listening connection (null while disconnected): what `pg_terminate_backend` takes. */
  backendPid(): number | null;
  /** Times it connected (1 after the first connection). */
  connections(): number;
  close(): Promise<void>;
}

export function listenPostgres(o: PgListenerOptions): PgListener {
  for (const c of o.channels) if (!CHANNEL_RE.test(c)) throw new Error(`listenPostgres: bad channel ${c}`);
  const retryDelay = o.retryDelayMs ?? ((n: number) => Math.min(2000, 50 * 2 ** Math.min(n, 6)));
  let client: pg.Client | null = null;
  let pid: number | null = null;
  let listening = false;
  let closed = false;
  let failures = 0;
  let count = 0;
  let timer: NodeJS.Timeout | null = null;

  function retry(err: unknown) {
    listening = false;
    pid = null;
    const c = client;
    client = null;
    c?.removeAllListeners('notification');
    c?.end().catch(() => undefined);
    if (closed) return;
    o.onError?.(err);
    timer = setTimeout(connect, retryDelay(failures++));
    timer.unref?.();
  }

  async function connect() {
    timer = null;
    if (closed) return;
    const c = new pg.Client({
      connectionString: o.url,
      ...(o.schema ? { options: `-c search_path=${o.schema},public` } : {}),
    });
    client = c;
    let lost = false;
    const onLost = (err: unknown) => {
      if (lost || client !== c) return;
      lost = true;
      retry(err);
    };
    c.on('error', onLost);
    c.on('end', () => onLost(new Error('listen connection ended')));
    c.on('notification', (n) => {
      if (n.payload !== undefined) o.onNotify(n.channel, n.payload);
    });
    try {
      await c.connect();
      for (const ch of o.channels) await c.query(`LISTEN ${ch}`);
      const r = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (client !== c || closed) return;
      pid = r.rows[0]?.pid ?? null;
      listening = true;
      failures = 0;
      count += 1;
      o.onConnected();
    } catch (err) {
      onLost(err);
    }
  }

  void connect();
  return {
    connected: () => listening,
    backendPid: () => pid,
    connections: () => count,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      listening = false;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

/** NOTIFY `channel` with `payload` (under 8000 bytes): inside a transaction it is sent when that commits. */
export async function notifyPostgres(
  db: Kysely<Database> | Transaction<Database>,
  channel: string,
  payload: string,
): Promise<void> {
  if (!CHANNEL_RE.test(channel)) throw new Error(`notifyPostgres: bad channel ${channel}`);
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db);
}

/**
 * NOTIFY `channel` with `{"s": server, "id": highest hook_events id}` (the id as the transaction sees it: its own
 * rows and every committed one): what a transaction that stored raw events sends with its commit.
 */
export async function notifyEventsStored(
  tx: Transaction<Database>,
  channel: string,
  server: string,
): Promise<void> {
  if (!CHANNEL_RE.test(channel)) throw new Error(`notifyEventsStored: bad channel ${channel}`);
  await sql`SELECT pg_notify(${channel}, json_build_object('s', ${server}::text, 'id', (SELECT max(id) FROM hook_events))::text)`.execute(
    tx,
  );
}

/** The transaction hook of `notify`: a plan with raw events NOTIFYs (`notifyEventsStored`); null: none. */
export function eventNotifyHook(
  notify: { channel: string; server: string } | null,
): ((tx: Transaction<Database>, ops: readonly { op: string }[]) => Promise<void>) | null {
  if (notify === null) return null;
  return async (tx, ops) => {
    if (ops.some((op) => op.op === 'hookEvent')) await notifyEventsStored(tx, notify.channel, notify.server);
  };
}
