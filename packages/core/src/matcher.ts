import type { Session, TerminalSource } from '@flightdeck/shared-types';
import { connectingIds } from './connecting.js';
import { linkLineage } from './lineage.js';
import { filterValues, getOwn, own, valuesOf } from './pmap.js';
import { createSession } from './session.js';
import { logEvent } from './state-machine.js';
import { renameInTeams } from './teams.js';
import type { Tx } from './tx.js';
import type { CoreState, DomainEvent, HookMeta } from './types.js';

/** Pending resume requests expire after this long. */
export const PENDING_RESUME_TTL_MS = 10 * 60_000;
/** Pending terminal links (terminal-created) expire after this long (spec §8.5). */
export const PENDING_LINK_TTL_MS = 60_000;
/** Snapshot-restored sessions can be re-linked by cwd for this long after a restart (spec §5, priority 0.5). */
export const RESTORE_LINK_WINDOW_MS = 30 * 60_000;

const JETBRAINS = [
  'jetbrains',
  'intellij',
  'idea',
  'webstorm',
  'pycharm',
  'goland',
  'clion',
  'rider',
  'phpstorm',
  'rubymine',
  'datagrip',
];

/** Spec §5 source detection, from the hook's environment enrichment. A Flightdeck terminal id wins. */
export function detectHookSource(meta: HookMeta): TerminalSource {
  if (meta.terminalId) return 'flightdeck';
  const tp = typeof meta.termProgram === 'string' ? meta.termProgram.toLowerCase() : '';
  if (meta.vscodePid || tp.includes('vscode') || tp.includes('code')) return 'vscode';
  if (JETBRAINS.some((j) => tp.includes(j))) return 'jetbrains';
  if (tp.includes('iterm')) return 'iterm';
  if (tp.includes('warp')) return 'warp';
  if (tp.includes('kitty')) return 'kitty';
  if (tp.includes('ghostty') || meta.ghostty === true) return 'ghostty';
  if (tp.includes('alacritty')) return 'alacritty';
  if (tp.includes('wezterm') || typeof (meta as Record<string, unknown>).weztermPane === 'string')
    return 'wezterm';
  if (tp.includes('hyper')) return 'hyper';
  if (tp === 'apple_terminal') return 'terminal';
  if (meta.tmux) return 'tmux';
  if (meta.ssh === true) return 'ssh';
  // A terminal whose program says nothing about itself (xterm, GNOME Terminal, a Linux console).
  if (meta.tty) return 'terminal';
  return 'unknown';
}

export type MatchStrategy =
  | 'known'
  | 'alias'
  | 'pending-resume-terminal'
  | 'pending-resume-workdir'
  | 'restored-cwd'
  | 'terminal-id'
  | 'pending-link'
  | 'connecting-path'
  | 'resume-cwd'
  | 'clear-successor'
  | 'display-only';

/**
 * How an event's session id maps onto the cards:
 * - `known`: the id (or an alias of it) is a card;
 * - `adopt`: a placeholder card (a `connecting` Flightdeck terminal) takes the agent's id;
 * - `resume`: an earlier session is re-keyed to the new id (one card, `previousSessionIds` grows);
 * - `successor`: `/clear` — a new card linked to the old one via `previousSessionIds`;
 * - `new`: a new card (display-only unless it came from a pending terminal link).
 */
export type MatchResult =
  | { kind: 'known'; sessionId: string; strategy: 'known' | 'alias' }
  | { kind: 'adopt'; fromId: string; strategy: MatchStrategy }
  | { kind: 'resume'; fromId: string; strategy: MatchStrategy }
  | { kind: 'successor'; fromId: string; strategy: MatchStrategy }
  | { kind: 'new'; strategy: MatchStrategy; source: TerminalSource; terminalId: string | null };

function startSource(ev: DomainEvent): string | null {
  return ev.kind === 'session-start' ? ev.source : null;
}

function mostRecentEnded(list: Session[]): Session | undefined {
  let best: Session | undefined;
  for (const s of list) if (!best || (s.endedAt ?? 0) > (best.endedAt ?? 0)) best = s;
  return best;
}

function mostRecentActive(list: Session[]): Session | undefined {
  let best: Session | undefined;
  for (const s of list) {
    if (s.status === 'connecting' || s.status === 'ended') continue;
    if (!best || s.lastActivityAt > best.lastActivityAt) best = s;
  }
  return best;
}

/** Spec §5: decides which card an event belongs to. Pure: reads the state only. */
export function matchSession(state: CoreState, ev: DomainEvent, meta: HookMeta, now: number): MatchResult {
  if (getOwn(state.sessions, ev.sessionId))
    return { kind: 'known', sessionId: ev.sessionId, strategy: 'known' };
  const alias = own(state.aliases, ev.sessionId);
  if (alias !== undefined && getOwn(state.sessions, alias))
    return { kind: 'known', sessionId: alias, strategy: 'alias' };

  const cwd = ev.cwd;
  const source = startSource(ev);
  const sessions = (keep: (s: Session) => boolean) => filterValues(state.sessions, keep);

  // Priority 0: a resume the user asked for from the dashboard.
  const resumes = state.pendingResumes.filter(
    (r) => now - r.at <= PENDING_RESUME_TTL_MS && getOwn(state.sessions, r.sessionId),
  );
  if (meta.terminalId) {
    const byTerminal = resumes.find((r) => r.terminalId === meta.terminalId);
    if (byTerminal)
      return { kind: 'resume', fromId: byTerminal.sessionId, strategy: 'pending-resume-terminal' };
  }
  // By directory only for an event that could be the resume: not a fresh start (`startup`/`clear`), and not from
  // another Flightdeck terminal (the resume's own terminal matched above).
  if (cwd !== null && !meta.terminalId && source !== 'startup' && source !== 'clear') {
    const byDir = resumes.filter((r) => getOwn(state.sessions, r.sessionId)!.projectPath === cwd);
    if (byDir.length === 1)
      return { kind: 'resume', fromId: byDir[0]!.sessionId, strategy: 'pending-resume-workdir' };
  }

  // Priority 0.5: one ended, snapshot-restored session in the same cwd shortly after a restart.
  if (
    cwd !== null &&
    state.lastRestoreAt !== null &&
    now - state.lastRestoreAt <= RESTORE_LINK_WINDOW_MS &&
    source !== 'startup' &&
    source !== 'clear'
  ) {
    const restored = state.lastRestoreAt;
    const cands = sessions(
      (s) =>
        s.status === 'ended' && s.cli === ev.cli && s.projectPath === cwd && s.lastActivityAt <= restored,
    );
    if (cands.length === 1) return { kind: 'resume', fromId: cands[0]!.sessionId, strategy: 'restored-cwd' };
  }

  // Priority 1: the Flightdeck terminal id injected into the agent's environment.
  if (meta.terminalId) {
    const inTerminal = sessions((s) => s.terminalId === meta.terminalId && s.cli === ev.cli);
    const connecting = inTerminal.find((s) => s.status === 'connecting');
    if (connecting) return { kind: 'adopt', fromId: connecting.sessionId, strategy: 'terminal-id' };
    const ended = mostRecentEnded(inTerminal.filter((s) => s.status === 'ended'));
    // A terminal runs one agent at a time: a resume there replaces its session even if no SessionEnd came.
    const resumable = ended ?? mostRecentActive(inTerminal);
    if (resumable && source === 'resume')
      return { kind: 'resume', fromId: resumable.sessionId, strategy: 'terminal-id' };
    if (ended && source === 'clear')
      return { kind: 'successor', fromId: ended.sessionId, strategy: 'terminal-id' };
  }

  // Priority 2: a terminal Flightdeck just created in this directory.
  if (cwd !== null) {
    const link = state.pendingLinks.find((l) => l.workDir === cwd && l.cli === ev.cli && l.expiresAt >= now);
    if (link) {
      const card = getOwn(state.sessions, link.terminalId);
      if (card && card.status === 'connecting')
        return { kind: 'adopt', fromId: card.sessionId, strategy: 'pending-link' };
      return { kind: 'new', strategy: 'pending-link', source: 'flightdeck', terminalId: link.terminalId };
    }
    // Priority 3: exactly one connecting card in this directory.
    const connecting = connectingIds(state.sessions)
      .map((id) => getOwn(state.sessions, id)!)
      .filter((s) => s.projectPath === cwd && s.cli === ev.cli);
    if (connecting.length === 1)
      return { kind: 'adopt', fromId: connecting[0]!.sessionId, strategy: 'connecting-path' };

    // `claude --resume/--continue` on versions that give the resumed session a new id: the most recently ended
    // session of this CLI in this directory (same TTY preferred) becomes the same card.
    if (source === 'resume') {
      const here = sessions((s) => s.cli === ev.cli && s.projectPath === cwd);
      let cands = here.filter((s) => s.status === 'ended');
      if (meta.tty) {
        const sameTty = cands.filter((s) => s.tty === meta.tty);
        if (sameTty.length > 0) cands = sameTty;
      }
      const prev = mostRecentEnded(cands);
      if (prev) return { kind: 'resume', fromId: prev.sessionId, strategy: 'resume-cwd' };
      // The previous process on this TTY / tmux pane died without SessionEnd (kill, crash): same card.
      const sameTerminal = mostRecentActive(
        here.filter(
          (s) =>
            s.status !== 'connecting' &&
            ((meta.tty !== undefined && s.tty === meta.tty) ||
              (meta.tmuxPane !== undefined && s.tmuxPane === meta.tmuxPane)),
        ),
      );
      if (sameTerminal) return { kind: 'resume', fromId: sameTerminal.sessionId, strategy: 'resume-cwd' };
    }
    // `/clear`: the session that just ended with reason `clear` (same process preferred).
    if (source === 'clear') {
      let cands = sessions(
        (s) => s.status === 'ended' && s.endReason === 'clear' && s.cli === ev.cli && s.projectPath === cwd,
      );
      if (meta.pid) {
        const samePid = cands.filter((s) => s.pid === meta.pid);
        if (samePid.length > 0) cands = samePid;
      }
      const prev = mostRecentEnded(cands);
      if (prev) return { kind: 'successor', fromId: prev.sessionId, strategy: 'clear-successor' };
    }
  }

  return {
    kind: 'new',
    strategy: 'display-only',
    source: detectHookSource(meta),
    terminalId: meta.terminalId ?? null,
  };
}

/** Moves a card from `oldId` to `newId` (runtime, aliases, team membership), emitting rekey + removal. */
function rekey(tx: Tx, oldId: string, newId: string, fields: Partial<Session>): void {
  const old = tx.session(oldId)!;
  tx.cancelAllSessionTimers(oldId);
  const rt = tx.runtime(oldId);
  tx.dropSession(oldId);
  tx.putSession({ ...old, ...fields, sessionId: newId });
  tx.putRuntime(newId, { ...rt, timers: {}, heuristic: null, childCheck: null });
  tx.setAlias(oldId, newId);
  renameInTeams(tx, oldId, newId);
  tx.state.pendingResumes = tx.state.pendingResumes.filter((r) => r.sessionId !== oldId);
  tx.emit({ type: 'session-rekeyed', oldId, newId });
  tx.emit({ type: 'session-removed', sessionId: oldId });
}

/** Drops a `connecting` placeholder card of `terminalId` that a resume made redundant. */
function dropPlaceholder(tx: Tx, terminalId: string, keep: string): void {
  for (const s of valuesOf(tx.state.sessions)) {
    if (s.sessionId !== keep && s.status === 'connecting' && s.terminalId === terminalId) {
      tx.cancelAllSessionTimers(s.sessionId);
      tx.dropSession(s.sessionId);
      tx.emit({ type: 'session-removed', sessionId: s.sessionId });
    }
  }
  if (tx.state.pendingLinks.some((l) => l.terminalId === terminalId)) {
    tx.state.pendingLinks = tx.state.pendingLinks.filter((l) => l.terminalId !== terminalId);
  }
}

/**
 * Applies a match: afterwards a card with the returned id exists. `created` is true for a brand-new card
 * (callers then try team linking).
 */
export function applyMatch(
  tx: Tx,
  m: MatchResult,
  ev: DomainEvent,
  meta: HookMeta,
): { sessionId: string; created: boolean } {
  const now = tx.now;
  const newId = ev.sessionId;
  switch (m.kind) {
    case 'known':
      return { sessionId: m.sessionId, created: false };
    case 'adopt': {
      const old = tx.session(m.fromId)!;
      rekey(tx, m.fromId, newId, { terminalId: old.terminalId ?? meta.terminalId ?? null, startedAt: now });
      if (old.terminalId) {
        tx.state.pendingLinks = tx.state.pendingLinks.filter((l) => l.terminalId !== old.terminalId);
      }
      logEvent(tx, newId, 'matched', `Linked to terminal card ${m.fromId} (${m.strategy})`, now);
      return { sessionId: newId, created: false };
    }
    case 'resume': {
      const old = tx.session(m.fromId)!;
      rekey(tx, m.fromId, newId, {
        previousSessionIds: [...old.previousSessionIds, m.fromId],
        resumeCount: old.resumeCount + 1,
        terminalId: meta.terminalId ?? old.terminalId,
        turnToolCalls: 0,
        currentTool: null,
        pendingApproval: null,
        waitingDetail: null,
      });
      if (meta.terminalId) dropPlaceholder(tx, meta.terminalId, newId);
      logEvent(tx, newId, 'resumed', `Resumed from ${m.fromId} (${m.strategy})`, now);
      return { sessionId: newId, created: false };
    }
    case 'successor': {
      const old = tx.session(m.fromId)!;
      const s = createSession({
        sessionId: newId,
        cli: ev.cli,
        projectPath: ev.cwd ?? old.projectPath,
        source: old.source,
        now,
      });
      tx.putSession({
        ...s,
        terminalId: meta.terminalId ?? old.terminalId,
        label: old.label,
        accentColor: old.accentColor,
        teamId: null,
      });
      linkLineage(tx, m.fromId, newId, 'cleared');
      logEvent(tx, newId, 'cleared', `Continues ${m.fromId} after /clear`, now);
      return { sessionId: newId, created: true };
    }
    case 'new': {
      const s = createSession({
        sessionId: newId,
        cli: ev.cli,
        projectPath: ev.cwd ?? '',
        source: m.source,
        now,
      });
      tx.putSession({ ...s, terminalId: m.terminalId });
      if (m.strategy === 'pending-link' && m.terminalId !== null) {
        tx.state.pendingLinks = tx.state.pendingLinks.filter((l) => l.terminalId !== m.terminalId);
      }
      logEvent(
        tx,
        newId,
        'created',
        `New ${m.strategy === 'display-only' ? 'display-only ' : ''}card (${m.source})`,
        now,
      );
      return { sessionId: newId, created: true };
    }
  }
}
