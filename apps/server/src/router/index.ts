import { router } from '../trpc.js';
import { alertsRouter } from './alerts.js';
import { analyticsRouter } from './analytics.js';
import { approvalsRouter } from './approvals.js';
import { authRouter } from './auth.js';
import { historyRouter } from './history.js';
import { hooksRouter } from './hooks.js';
import { hostsRouter } from './hosts.js';
import { importRouter } from './import.js';
import { notesRouter } from './notes.js';
import { queueRouter } from './queue.js';
import { sessionsRouter } from './sessions.js';
import { sshRouter } from './ssh.js';
import { systemRouter } from './system.js';
import { teamsRouter } from './teams.js';
import { terminalsRouter } from './terminals.js';

export const appRouter = router({
  sessions: sessionsRouter,
  history: historyRouter,
  notes: notesRouter,
  analytics: analyticsRouter,
  hooks: hooksRouter,
  teams: teamsRouter,
  auth: authRouter,
  system: systemRouter,
  approvals: approvalsRouter,
  alerts: alertsRouter,
  terminals: terminalsRouter,
  queue: queueRouter,
  ssh: sshRouter,
  import: importRouter,
  hosts: hostsRouter,
});

export type AppRouter = typeof appRouter;

/** Procedures callable without a token when a password is set. Everything else is protected. */
export const PUBLIC_PROCEDURES = ['auth.status', 'auth.login'] as const;
