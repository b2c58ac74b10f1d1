import type { AppRouter } from '@flightdeck/server';
import type { AgentCli, ConversationPage, Note } from '@flightdeck/shared-types';
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  TRPCClientError,
  wsLink,
} from '@trpc/client';
import { statsFromServer, toLiveMessage } from './normalise.js';
import { INITIAL_SIZE } from './terminals.js';
import type {
  Analytics,
  Api,
  AuthStatus,
  ConnectionState,
  HistoryHitsPage,
  HistoryPage,
  HistoryQuery,
  HookCliStatus,
  HookDensity,
  LiveHandlers,
  Session,
  SystemStats,
} from './types.js';

export interface TrpcApiOptions {
  /** Origin of the server, e.g. `http://127.0.0.1:3333`. Defaults to the page's origin. */
  origin?: string;
}

/** The session filters of a History query, as both `history.search` and `history.fullText` take them. */
function historyFilters(query: HistoryQuery) {
  return {
    project: query.project ?? undefined,
    status: query.status ?? undefined,
    cli: query.cli ?? undefined,
    dateFrom: query.dateFrom ?? undefined,
    dateTo: query.dateTo ?? undefined,
    archived: query.archived ?? undefined,
  };
}

/** True for the server's CONFLICT answer (the approval was already closed, or is unknown). */
export function isConflict(err: unknown): err is TRPCClientError<never> {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'CONFLICT';
}

/**
 * The `Api` over tRPC: HTTP batching for queries and mutations, one WebSocket for subscriptions. The
 * browser sends the auth cookie with both (same origin). The WebSocket reconnects with backoff and
 * `sessions.live` resumes from the last tracked id (tRPC resends it as `lastEventId`).
 */
export function createTrpcApi(opts: TrpcApiOptions = {}): Api {
  const origin = opts.origin ?? window.location.origin;
  const wsUrl = `${origin.replace(/^http/, 'ws')}/trpc`;
  let stateListener: ((s: ConnectionState, error?: string) => void) | null = null;
  let everOpened = false;

  const ws = createWSClient({
    url: wsUrl,
    // The socket opens with the first subscription (after login) and closes when none is left.
    lazy: { enabled: true, closeMs: 30_000 },
    retryDelayMs: (attempt) => Math.min(400 * 2 ** attempt, 5_000),
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    onOpen: () => {
      everOpened = true;
      stateListener?.('live');
    },
    onClose: () => stateListener?.(everOpened ? 'reconnecting' : 'connecting'),
  });

  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // Keystrokes go over the socket too: in order, without an HTTP round trip each (in pieces that fit one
        // WebSocket message: see createInputQueue).
        condition: (op) => op.type === 'subscription' || op.path === 'terminals.input',
        true: wsLink({ client: ws }),
        // The server answers a batch of more than 50 calls with 400 (WS_LIMITS.maxBatchCalls).
        false: httpBatchLink({ url: `${origin}/trpc`, maxItems: 50 }),
      }),
    ],
  });

  const done = async (p: Promise<unknown>): Promise<void> => {
    await p;
  };
  const { alerts } = trpc;
  const { terminals, ssh } = trpc;

  return {
    live(handlers: LiveHandlers) {
      stateListener = handlers.onState;
      handlers.onState(everOpened ? 'reconnecting' : 'connecting');
      // Summaries only (~1 KB a session instead of tens of KB); the detail view fetches the full session.
      const sub = trpc.sessions.liveSummary.subscribe(
        {},
        {
          onStarted: () => handlers.onState('live'),
          onData: ({ id, data }) => handlers.onMessage(toLiveMessage(data), id),
          onError: (err: unknown) =>
            handlers.onState('offline', err instanceof Error ? err.message : String(err)),
          onConnectionStateChange: (st: { state: string }) => {
            if (st.state === 'connecting') handlers.onState(everOpened ? 'reconnecting' : 'connecting');
            else if (st.state === 'pending') handlers.onState('live');
          },
        },
      );
      return () => {
        sub.unsubscribe();
        stateListener = null;
      };
    },
    async getSession(sessionId, opts): Promise<Session | null> {
      // `full`: the server joins the live session (fresher) and every stored entry of its logs.
      const live = opts?.full ? null : await trpc.sessions.get.query({ sessionId }).catch(() => null);
      return live ?? trpc.history.session.query({ sessionId }).catch(() => null);
    },
    // the wire type of a tool call's `input` (unknown) reads differently; the shape is the server's ConversationPage
    conversation: (query) => trpc.sessions.conversation.query(query) as Promise<ConversationPage>,
    setTitle: (sessionId, title) => done(trpc.sessions.setTitle.mutate({ sessionId, title })),
    setLabel: (sessionId, label) => done(trpc.sessions.setLabel.mutate({ sessionId, label })),
    setAccentColor: (sessionId, color) => done(trpc.sessions.setAccentColor.mutate({ sessionId, color })),
    setArchived: (sessionId, archived) =>
      done(
        archived
          ? trpc.sessions.archive.mutate({ sessionId })
          : trpc.sessions.unarchive.mutate({ sessionId }),
      ),
    kill: (sessionId) => done(trpc.sessions.kill.mutate({ sessionId, confirm: true })),
    deleteSession: (sessionId) => done(trpc.sessions.delete.mutate({ sessionId })),
    listNotes: (sessionId): Promise<Note[]> => trpc.notes.list.query({ sessionId }),
    addNote: (sessionId, text): Promise<Note> => trpc.notes.add.mutate({ sessionId, text }),
    updateNote: (noteId, text) => done(trpc.notes.update.mutate({ noteId, text })),
    deleteNote: (noteId) => done(trpc.notes.delete.mutate({ noteId })),
    async searchHistory(query: HistoryQuery): Promise<HistoryPage> {
      const { items, ...rest } = await trpc.history.search.query({
        ...historyFilters(query),
        sortBy: query.sortBy,
        sortDir: query.sortDir,
        page: query.page,
        pageSize: query.pageSize,
      });
      return { ...rest, rows: items };
    },
    async searchText(query: HistoryQuery): Promise<HistoryHitsPage> {
      const { items, ...rest } = await trpc.history.fullText.query({
        ...historyFilters(query),
        query: query.query,
        page: query.page,
        pageSize: query.pageSize,
      });
      return { ...rest, hits: items };
    },
    async historyProjects() {
      const raw = await trpc.history.projects.query();
      return [...new Set(raw.map((p) => p.projectName).filter(Boolean))].sort();
    },
    async analytics(): Promise<Analytics> {
      const tz = -new Date().getTimezoneOffset();
      const [summary, tools, projects, heatmap, daily] = await Promise.all([
        trpc.analytics.summary.query(),
        trpc.analytics.tools.query(),
        trpc.analytics.projects.query(),
        trpc.analytics.heatmap.query({ tzOffsetMinutes: tz }),
        trpc.analytics.daily.query({ tzOffsetMinutes: tz }),
      ]);
      return { summary, tools, projects, heatmap, daily };
    },
    usage: (q) => trpc.analytics.usage.query({ ...q, tzOffsetMinutes: -new Date().getTimezoneOffset() }),
    async hookStatus(): Promise<HookCliStatus[]> {
      return (await trpc.hooks.status.query()).clis;
    },
    installHooks: (cli: AgentCli, density: HookDensity) =>
      done(trpc.hooks.install.mutate({ clis: [cli], density })),
    uninstallHooks: (cli: AgentCli) => done(trpc.hooks.uninstall.mutate({ clis: [cli] })),
    setTelemetry: (enabled: boolean) => trpc.hooks.telemetry.mutate({ enabled }),
    async deliveryStatus() {
      return (await trpc.hooks.status.query()).delivery;
    },
    async fixDelivery(clis: AgentCli[]) {
      return (await trpc.hooks.install.mutate({ clis })).delivery;
    },
    async systemStats(): Promise<SystemStats> {
      return statsFromServer(await trpc.hooks.stats.query());
    },
    storage: () => trpc.system.storage.query(),
    authStatus: (): Promise<AuthStatus> => trpc.auth.status.query(),
    login: (password) => done(trpc.auth.login.mutate({ password })),
    logout: () => done(trpc.auth.logout.mutate()),
    setPassword: (password) => done(trpc.auth.setPassword.mutate({ password })),
    clearPassword: () => done(trpc.auth.clearPassword.mutate()),
    approvalsLive(onMessage) {
      // Resumable like `sessions.live`: tRPC resends the last tracked id as `lastEventId` after a reconnect.
      const sub = trpc.approvals.live.subscribe(undefined, { onData: ({ data }) => onMessage(data) });
      return () => sub.unsubscribe();
    },
    async decideApproval(id, decision) {
      try {
        const { outcome } = await trpc.approvals.decide.mutate({ ...decision, id, via: 'browser' });
        return { ok: true, outcome };
      } catch (err) {
        if (isConflict(err)) return { ok: false, conflict: err.message };
        throw err;
      }
    },
    approvalHistory: (query) => trpc.approvals.history.query(query),
    alertsLive(onAlert) {
      const sub = alerts.live.subscribe(undefined, {
        onData: ({ data }) => {
          if (data.type === 'alert') onAlert({ ...data.alert, channels: data.channels });
        },
        // A server without alerts answers PRECONDITION_FAILED: the page simply gets none.
        onError: () => undefined,
      });
      return () => sub.unsubscribe();
    },
    alertRules: () => alerts.rules.list.query(),
    createAlertRule: (rule) => done(alerts.rules.create.mutate(rule)),
    updateAlertRule: (id, rule) => done(alerts.rules.update.mutate({ ...rule, id })),
    deleteAlertRule: (id) => done(alerts.rules.delete.mutate({ id })),
    testAlertRule: (id) => done(alerts.test.mutate({ ruleId: id })),
    alertDeliveries: (limit) => alerts.deliveries.query({ limit }),
    vapidPublicKey: async () => (await alerts.vapidPublicKey.query()).publicKey,
    terminals: () => terminals.list.query(),
    createTerminal: (input) => terminals.create.mutate(input),
    closeTerminal: (id) => done(terminals.close.mutate({ id })),
    launchTerminal: (input) => terminals.launch.mutate(input),
    resumeTerminal: (sessionId) => terminals.resume.mutate({ sessionId, ...INITIAL_SIZE }),
    agentClis: () => terminals.clis.query(),
    resizeTerminal: (id, cols, rows) => done(terminals.resize.mutate({ id, cols, rows })),
    async terminalInput(id, viewerId, data) {
      try {
        await terminals.input.mutate({ id, viewerId, data });
        return { ok: true };
      } catch (err) {
        if (isConflict(err)) return { ok: false, conflict: err.message };
        throw err;
      }
    },
    takeoverTerminal: (id, viewerId) => done(terminals.takeover.mutate({ id, viewerId })),
    terminalOutput(id, viewerId, handlers) {
      // tRPC resends the last tracked id as `lastEventId` when the socket comes back: the server resumes after it.
      const sub = terminals.output.subscribe(
        { id, viewerId },
        {
          onData: ({ id: seq, data }) => handlers.onMessage(data, seq ?? null),
          onError: (err: unknown) => handlers.onError(err instanceof Error ? err.message : String(err)),
          onConnectionStateChange: (st: { state: string }) =>
            handlers.onState?.(st.state === 'connecting' ? 'reconnecting' : 'live'),
        },
      );
      return () => sub.unsubscribe();
    },
    queueList: (sessionId) => trpc.queue.list.query({ sessionId }),
    queueAdd: (sessionId, text) => trpc.queue.add.mutate({ sessionId, text }),
    queueUpdate: (sessionId, itemId, text) => trpc.queue.update.mutate({ sessionId, itemId, text }),
    queueRemove: (sessionId, itemId) => trpc.queue.remove.mutate({ sessionId, itemId }),
    queueReorder: (sessionId, itemIds) => trpc.queue.reorder.mutate({ sessionId, itemIds }),
    importStart: (req) => trpc.import.start.mutate(req ?? {}),
    importStatus: () => trpc.import.status.query(),
    hostsList: () => trpc.hosts.list.query(),
    hostsCreateToken: (name) => trpc.hosts.createToken.mutate({ name }),
    hostsRevokeToken: (name) => done(trpc.hosts.revokeToken.mutate({ name })),
    sshHosts: () => ssh.hosts.query(),
    sshKeys: () => ssh.keys.query(),
    sshHostKey: (host) => ssh.hostKey.query({ host }),
    sshTrust: (host, fingerprint) => ssh.trust.mutate({ host, fingerprint }),
    sshAddHost: (host) => done(ssh.addHost.mutate(host)),
    sshRemoveHost: (host) => done(ssh.removeHost.mutate({ host })),
    sshTmuxSessions: (host) => ssh.tmuxSessions.query({ host }),
    subscribePush: (subscription) =>
      done(alerts.subscribePush.mutate({ subscription, userAgent: navigator.userAgent.slice(0, 512) })),
  };
}
