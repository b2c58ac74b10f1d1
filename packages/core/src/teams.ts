import type { Team } from '@flightdeck/shared-types';
import { pathsRelated } from './limits.js';
import { own } from './pmap.js';
import { logEvent } from './state-machine.js';
import type { Tx } from './tx.js';
import type { HookMeta } from './types.js';

/** A new session whose cwd fits a SubagentStart this recent joins that parent's team (spec §7.1). */
export const PENDING_SUBAGENT_LINK_MS = 10_000;
/** Pending subagent entries older than this are pruned. */
export const PENDING_SUBAGENT_TTL_MS = 30_000;
/** Delay before a finished team is removed (spec §7.5). */
export const TEAM_CLEANUP_MS = 15_000;

export function teamIdOf(parentSessionId: string): string {
  return `team-${parentSessionId}`;
}

/** Links `childId` into the team led by `parentId` (created when needed). */
export function linkToTeam(tx: Tx, childId: string, parentId: string, meta: HookMeta, via: string): void {
  const child = tx.session(childId);
  const parent = tx.session(parentId);
  if (!child || childId === parentId) return;
  tx.patch(childId, {
    parentSessionId: parentId,
    agentName: meta.agentName ?? child.agentName,
    agentType: meta.agentType ?? child.agentType,
    agentColor: meta.agentColor ?? child.agentColor,
  });
  if (!parent) return; // parent unknown: the child keeps parentSessionId only
  // A re-keyed leader keeps the team id it was created with.
  const teamId = parent.teamRole === 'leader' && parent.teamId ? parent.teamId : teamIdOf(parentId);
  const existing = tx.state.teams[teamId];
  const team: Team = existing ?? {
    teamId,
    parentSessionId: parentId,
    childSessionIds: [],
    teamName: meta.teamName ?? `${parent.projectName} Team`,
    createdAt: tx.now,
  };
  if (!team.childSessionIds.includes(childId)) {
    tx.putTeam({ ...team, childSessionIds: [...team.childSessionIds, childId] });
  } else if (!existing) {
    tx.putTeam(team);
  }
  tx.cancelTeamTimer(teamId);
  tx.patch(childId, { teamId, teamRole: 'member' });
  if (parent.teamId !== teamId || parent.teamRole !== 'leader')
    tx.patch(parentId, { teamId, teamRole: 'leader' });
  logEvent(tx, childId, 'team-joined', `Joined ${team.teamName} (${via})`, tx.now);
}

/** Records a SubagentStart for path-based linking of a child session that may follow. */
export function addPendingSubagent(
  tx: Tx,
  parentSessionId: string,
  cwd: string,
  agentType: string | null,
): void {
  const now = tx.now;
  const kept = tx.state.pendingSubagents.filter((p) => now - p.at <= PENDING_SUBAGENT_TTL_MS);
  kept.push({ parentSessionId, cwd, agentType, at: now });
  tx.state.pendingSubagents = kept;
}

/** For a new session: join a team via `meta.parentSessionId` (preferred) or a recent pending subagent. */
export function tryLinkNewSession(
  tx: Tx,
  sessionId: string,
  cwd: string | null,
  meta: HookMeta,
  isStart: boolean,
): void {
  if (meta.parentSessionId && meta.parentSessionId !== sessionId) {
    const parentId = own(tx.state.aliases, meta.parentSessionId) ?? meta.parentSessionId;
    linkToTeam(tx, sessionId, parentId, meta, 'parent session id');
    return;
  }
  if (!isStart || cwd === null || tx.state.pendingSubagents.length === 0) return;
  const now = tx.now;
  const live = tx.state.pendingSubagents.filter((p) => now - p.at <= PENDING_SUBAGENT_TTL_MS);
  const idx = live.findIndex(
    (p) =>
      p.parentSessionId !== sessionId && now - p.at <= PENDING_SUBAGENT_LINK_MS && pathsRelated(p.cwd, cwd),
  );
  if (idx < 0) {
    if (live.length !== tx.state.pendingSubagents.length) tx.state.pendingSubagents = live;
    return;
  }
  const hit = live[idx]!;
  live.splice(idx, 1);
  tx.state.pendingSubagents = live;
  linkToTeam(
    tx,
    sessionId,
    hit.parentSessionId,
    { ...meta, agentType: meta.agentType ?? hit.agentType ?? undefined },
    'cwd',
  );
}

function allChildrenEnded(tx: Tx, team: Team): boolean {
  return team.childSessionIds.every((id) => {
    const s = tx.session(id);
    return !s || s.status === 'ended';
  });
}

function maybeScheduleCleanup(tx: Tx, teamId: string): void {
  const team = tx.state.teams[teamId];
  if (!team) return;
  const parent = tx.session(team.parentSessionId);
  if ((!parent || parent.status === 'ended') && allChildrenEnded(tx, team)) {
    tx.armTeamTimer(teamId, team.parentSessionId, tx.now + TEAM_CLEANUP_MS);
  }
}

/** Spec §7.5: a member that ends leaves its team; a leader that ends with all members ended schedules cleanup. */
export function onSessionEnded(tx: Tx, sessionId: string): void {
  const s = tx.session(sessionId);
  if (!s?.teamId) return;
  const team = tx.state.teams[s.teamId];
  if (!team) return;
  if (s.teamRole === 'member') {
    tx.putTeam({ ...team, childSessionIds: team.childSessionIds.filter((id) => id !== sessionId) });
    tx.patch(sessionId, { teamId: null, teamRole: null });
  }
  maybeScheduleCleanup(tx, team.teamId);
}

/** A leader came back (resume): its team stays. */
export function onSessionRevived(tx: Tx, sessionId: string): void {
  const s = tx.session(sessionId);
  if (s?.teamId && s.teamRole === 'leader') tx.cancelTeamTimer(s.teamId);
}

/** A team-cleanup timer fired: acts only if `key` is the team's current cleanup timer. */
export function fireTeamCleanup(tx: Tx, key: string): boolean {
  const entry = Object.entries(tx.state.teamTimers).find(([, t]) => t.key === key);
  if (!entry) return false;
  const teamId = entry[0];
  const team = tx.state.teams[teamId];
  const timers = { ...tx.state.teamTimers };
  delete timers[teamId];
  tx.state.teamTimers = timers;
  if (!team) return true;
  const parent = tx.session(team.parentSessionId);
  if ((parent && parent.status !== 'ended') || !allChildrenEnded(tx, team)) return true;
  removeTeam(tx, teamId);
  return true;
}

export function removeTeam(tx: Tx, teamId: string): void {
  const team = tx.state.teams[teamId];
  if (!team) return;
  tx.cancelTeamTimer(teamId);
  for (const id of [team.parentSessionId, ...team.childSessionIds]) {
    const s = tx.session(id);
    if (s && s.teamId === teamId) tx.patch(id, { teamId: null, teamRole: null });
  }
  tx.dropTeam(teamId);
}

/** A deleted session leaves its team; deleting the leader removes the team. */
export function onSessionDeleted(tx: Tx, sessionId: string): void {
  for (const team of Object.values(tx.state.teams)) {
    if (team.parentSessionId === sessionId) removeTeam(tx, team.teamId);
    else if (team.childSessionIds.includes(sessionId)) {
      tx.putTeam({ ...team, childSessionIds: team.childSessionIds.filter((id) => id !== sessionId) });
      maybeScheduleCleanup(tx, team.teamId);
    }
  }
}

/** Re-key: replace `oldId` by `newId` in every team. */
export function renameInTeams(tx: Tx, oldId: string, newId: string): void {
  for (const team of Object.values(tx.state.teams)) {
    const isParent = team.parentSessionId === oldId;
    const isChild = team.childSessionIds.includes(oldId);
    if (!isParent && !isChild) continue;
    tx.putTeam({
      ...team,
      parentSessionId: isParent ? newId : team.parentSessionId,
      childSessionIds: team.childSessionIds.map((id) => (id === oldId ? newId : id)),
    });
    if (isParent) {
      // Keep the timer keyed by team id; its input names the parent, so re-arm with the new id if armed.
      const t = tx.state.teamTimers[team.teamId];
      if (t) tx.armTeamTimer(team.teamId, newId, t.deadline);
    }
  }
}
