import { describeTaskNotification, isTaskNotification } from '@flightdeck/core/plain';
import type { Note, Team } from '@flightdeck/shared-types';
import {
  batch,
  createEffect,
  createMemo,
  createResource,
  createSignal,
  For,
  type JSX,
  on,
  onCleanup,
  Show,
} from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { ApprovalItem, ClosedNoticeView } from '../components/Approval.js';
import { CliCapabilitiesBox } from '../components/CliCapabilities.js';
import { conversationView } from '../components/Conversation.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { PromptQueuePanel } from '../components/PromptQueue.js';
import { LineageLinks, type SessionLookup, StatusTimeline, WhyPanel } from '../components/Provenance.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { ToolCallItem } from '../components/ToolCallView.js';
import { UsageBlock } from '../components/UsageBlock.js';
import { WhereItRuns } from '../components/WhereItRuns.js';
import type { QueueApi } from '../data/queue.js';
import { INITIAL_SIZE } from '../data/terminals.js';
import type { Api, ApprovalDecisionRecord, ApprovalOutcome, LiveSession, Session } from '../data/types.js';
import { createCoalescer } from '../lib/coalesce.js';
import { formatDateTime, formatTime, plural } from '../lib/format.js';
import { type ItemKind, itemId, parseItem, toolKey } from '../lib/items.js';
import { createCanResume } from '../lib/resume.js';
import { accentOf, displayTitle, endReasonLabel } from '../lib/status.js';
import { codeWords, lineageOf, permissionModeLabel, terminalLabel } from '../lib/words.js';
import type { ApprovalsStore } from '../store/approvals.js';
import type { SessionStore } from '../store/sessions.js';

export interface DetailActions {
  setTitle?: (title: string) => Promise<void> | void;
  setLabel?: (label: string | null) => Promise<void> | void;
  setAccentColor?: (color: string | null) => Promise<void> | void;
  setArchived?: (archived: boolean) => Promise<void> | void;
  kill?: () => Promise<void> | void;
  remove?: () => Promise<void> | void;
  addNote?: (text: string) => Promise<void> | void;
  updateNote?: (id: number, text: string) => Promise<void> | void;
  deleteNote?: (id: number) => Promise<void> | void;
  openSession?: (sessionId: string) => void;
  /** Shows a Flightdeck terminal (`#/terminals/<id>`). */
  showTerminal?: (terminalId: string) => void;
  /** Opens a terminal attached to the tmux pane the agent runs in. */
  attachTmux?: (target: string) => Promise<void> | void;
  /** The session's prompt queue (issue 16). */
  queue?: QueueApi;
  /** `claude --resume` in a new terminal; set only while the session can be resumed (lib/resume.ts). */
  resumeInTerminal?: () => Promise<void> | void;
}

export interface SessionDetailViewProps {
  session: Session;
  notes?: Note[];
  team?: Team | null;
  /** Resolve another session (team members, linked cards) for display. */
  lookup?: SessionLookup;
  live?: boolean;
  actions?: DetailActions;
  onClose?: () => void;
  /**
   * The item to show (`<kind>:<key>`, `lib/items.ts`), e.g. the one a search hit opened: its tab is selected, it is
   * scrolled into view and highlighted (a tool call is expanded).
   */
  focus?: string | null;
  /** The pending approvals: this session's is shown readable, with Allow / Deny / Allow for session. */
  approvals?: ApprovalsStore;
  /** This session's closed approvals, newest first (`approvals.history`). */
  approvalHistory?: ApprovalDecisionRecord[];
  /**
   * The whole conversation from the transcript, shown in the Conversation tab instead of the hooks' prompts and
   * responses (unless a search hit opens one of those); it calls `unavailable` when there is no transcript to read.
   */
  conversationView?: (unavailable: () => void) => JSX.Element;
  /**
   * The host the session runs on when that machine forwards its events (it has a host token): Flightdeck neither
   * answers its permission questions nor signals its processes from here, so no Kill and a note says so.
   */
  forwardedFrom?: string | null;
}

const TAB_OF: Record<ItemKind, Tab | null> = {
  prompt: 'conversation',
  response: 'conversation',
  tool: 'tools',
  note: 'notes',
  title: null,
};

const FOCUS_NOUN: Record<ItemKind, string> = {
  prompt: 'prompt',
  response: 'response',
  tool: 'tool call',
  note: 'note',
  title: 'title',
};

type Tab = 'conversation' | 'tools' | 'timeline' | 'agents' | 'notes' | 'approvals';

type ConvItem =
  | { kind: 'prompt'; text: string; timestamp: number }
  /** A system message (a subagent's task notification): never shown as the user's. */
  | { kind: 'system'; text: string; timestamp: number }
  | { kind: 'response'; text: string; timestamp: number; agentId: string | null };

function EditableText(props: {
  label: string;
  value: string;
  placeholder?: string;
  onSave?: (v: string) => void | Promise<void>;
}): JSX.Element {
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal('');
  const start = () => {
    setDraft(props.value);
    setEditing(true);
  };
  const save = async () => {
    await props.onSave?.(draft().trim());
    setEditing(false);
  };
  return (
    <Show
      when={editing()}
      fallback={
        <span class="editable">
          <span class="editable__value" classList={{ 'editable__value--empty': !props.value }}>
            {props.value || props.placeholder}
          </span>
          <Show when={props.onSave}>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              onClick={start}
              aria-label={`Edit ${props.label}`}
            >
              Edit
            </button>
          </Show>
        </span>
      }
    >
      <form
        class="editable editable--editing"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <input
          aria-label={props.label}
          value={draft()}
          maxLength={200}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setEditing(false);
            }
          }}
          ref={(el) => queueMicrotask(() => el.focus())}
        />
        <button type="submit" class="btn btn--primary btn--small">
          Save
        </button>
        <button type="button" class="btn btn--small" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </form>
    </Show>
  );
}

function NotesPanel(props: { notes: Note[]; actions?: DetailActions; focus?: string | null }): JSX.Element {
  const [text, setText] = createSignal('');
  const [editing, setEditing] = createSignal<number | null>(null);
  const [draft, setDraft] = createSignal('');
  return (
    <div class="notes">
      <Show when={props.actions?.addNote}>
        <form
          class="notes__add"
          onSubmit={async (e) => {
            e.preventDefault();
            const t = text().trim();
            if (!t) return;
            await props.actions?.addNote?.(t);
            setText('');
          }}
        >
          <textarea
            aria-label="New note"
            placeholder="Add a note…"
            maxLength={10_000}
            value={text()}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="btn btn--primary" disabled={!text().trim()}>
            Add note
          </button>
        </form>
      </Show>
      <Show when={props.notes.length > 0} fallback={<p class="muted">No notes yet.</p>}>
        <ul class="notes__list">
          <For each={props.notes}>
            {(n) => (
              <li
                class="note"
                data-item={itemId('note', n.id)}
                classList={{ 'is-focused': props.focus === itemId('note', n.id) }}
                aria-current={props.focus === itemId('note', n.id) ? 'true' : undefined}
              >
                <Show
                  when={editing() === n.id}
                  fallback={
                    <>
                      <p class="note__text">{n.text}</p>
                      <div class="note__meta">
                        <time>{formatDateTime(n.updatedAt)}</time>
                        <Show when={props.actions?.updateNote}>
                          <button
                            type="button"
                            class="btn btn--ghost btn--small"
                            onClick={() => {
                              setDraft(n.text);
                              setEditing(n.id);
                            }}
                          >
                            Edit
                          </button>
                        </Show>
                        <Show when={props.actions?.deleteNote}>
                          <button
                            type="button"
                            class="btn btn--ghost btn--small"
                            onClick={() => props.actions?.deleteNote?.(n.id)}
                          >
                            Delete
                          </button>
                        </Show>
                      </div>
                    </>
                  }
                >
                  <form
                    onSubmit={async (e) => {
                      e.preventDefault();
                      await props.actions?.updateNote?.(n.id, draft().trim());
                      setEditing(null);
                    }}
                  >
                    <textarea
                      aria-label="Edit note"
                      value={draft()}
                      onInput={(e) => setDraft(e.currentTarget.value)}
                    />
                    <button type="submit" class="btn btn--primary btn--small">
                      Save
                    </button>
                    <button type="button" class="btn btn--small" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </form>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

const OUTCOME_WORDS: Record<ApprovalOutcome, string> = {
  allowed: 'Allowed',
  denied: 'Denied',
  terminal: 'Answered in the terminal',
  timed_out: 'Timed out',
  session_ended: 'Session ended',
  released: 'Released without a decision',
};

const VIA_WORDS = { browser: 'from the browser', api: 'through the API', push: 'from a push notification' };

/** The audit of this session's approvals: what was asked, how it closed, who decided from where. */
function ApprovalHistory(props: { records: ApprovalDecisionRecord[] }): JSX.Element {
  return (
    <Show when={props.records.length > 0} fallback={<p class="muted">No approval has closed yet.</p>}>
      <ol class="timeline approval-history">
        <For each={props.records}>
          {(r) => (
            <li class="timeline__item" data-outcome={r.outcome}>
              <time dateTime={new Date(r.closedAt).toISOString()}>{formatTime(r.closedAt)}</time>
              <span class="timeline__type">
                {OUTCOME_WORDS[r.outcome]}
                {r.remember === 'session' ? ' for the session' : ''}
              </span>
              <span>
                {r.summary}
                <Show when={r.via || r.by}>
                  <span class="muted">
                    {' '}
                    — {r.via ? VIA_WORDS[r.via] : ''}
                    {r.by ? ` (${r.by.address}${r.by.authenticated ? ', logged in' : ''})` : ''}
                  </span>
                </Show>
                <Show when={r.message}>
                  <span class="muted"> · “{r.message}”</span>
                </Show>
              </span>
            </li>
          )}
        </For>
      </ol>
    </Show>
  );
}

/** Everything about one session. Pure: data in, user intents out through `actions`. */
export function SessionDetailView(props: SessionDetailViewProps): JSX.Element {
  const s = () => props.session;
  const [tab, setTab] = createSignal<Tab>('tools');
  let root: HTMLElement | undefined;
  const focusRef = createMemo(() => parseItem(props.focus));
  const [confirm, setConfirm] = createSignal<'kill' | 'delete' | 'resume' | null>(null);
  /**
   * Ids this card had before a resume (`previousSessionIds`): not the cards it continues as another card (those
   * are links above).
   */
  const earlierIds = createMemo(() => {
    const linked = new Set(lineageOf(s()).map((l) => l.sessionId));
    return (Array.isArray(s().previousSessionIds) ? s().previousSessionIds : []).filter(
      (id) => !linked.has(id),
    );
  });
  // the transcript's conversation, unless a search hit opens an item of the hooks' one, or there is no transcript
  const [noTranscript, setNoTranscript] = createSignal(false);
  const transcriptView = () =>
    tab() === 'conversation' && !focusRef() && !noTranscript() && props.conversationView;
  const conversation = createMemo<ConvItem[]>(() =>
    [
      // Sessions recorded before the core told task notifications apart still hold them as prompts.
      ...s().promptHistory.map(
        (p): ConvItem =>
          isTaskNotification(p.text)
            ? { kind: 'system', text: describeTaskNotification(p.text), timestamp: p.timestamp }
            : { kind: 'prompt', text: p.text, timestamp: p.timestamp },
      ),
      ...s()
        .events.filter((e) => e.type === 'task-notification')
        .map((e): ConvItem => ({ kind: 'system', text: e.detail, timestamp: e.timestamp })),
      ...s().responseLog.map(
        (r): ConvItem => ({ kind: 'response', text: r.text, timestamp: r.timestamp, agentId: r.agentId }),
      ),
    ].sort((a, b) => a.timestamp - b.timestamp),
  );
  const tools = createMemo(() => [...s().toolLog].reverse());
  const teamMembers = createMemo(() => props.team?.childSessionIds ?? []);
  /** Whether the focused item is among what this page shows (a live session keeps only its latest items). */
  const focusFound = createMemo(() => {
    const f = focusRef();
    if (!f) return true;
    switch (f.kind) {
      case 'tool':
        return s().toolLog.some((c) => toolKey(c) === f.key);
      case 'prompt':
        return s().promptHistory.some((p) => String(p.timestamp) === f.key);
      case 'response':
        return s().responseLog.some((r) => String(r.timestamp) === f.key);
      case 'note':
        return (props.notes ?? []).some((n) => String(n.id) === f.key);
      case 'title':
        return true;
    }
  });
  // A new focus selects its tab, then scrolls to the item once it is on the page (later refetches do not scroll).
  let scrolledTo: string | null = null;
  createEffect(
    on(focusRef, (f) => {
      const t = f ? TAB_OF[f.kind] : null;
      if (t) setTab(t);
    }),
  );
  createEffect(() => {
    const f = props.focus;
    if (!f || !focusFound() || scrolledTo === f) return;
    tab();
    queueMicrotask(() => {
      const el =
        f === 'title'
          ? root?.querySelector('.detail__title')
          : [...(root?.querySelectorAll('[data-item]') ?? [])].find((e) => e.getAttribute('data-item') === f);
      if (!el) return;
      scrolledTo = f;
      el.scrollIntoView?.({ block: 'center' });
    });
  });
  const focused = (kind: ItemKind, key: string | number) => props.focus === itemId(kind, key);
  const tabs: Array<{ id: Tab; label: () => string }> = [
    { id: 'tools', label: () => `Tool calls (${s().toolLog.length})` },
    { id: 'conversation', label: () => `Conversation (${conversation().length})` },
    { id: 'timeline', label: () => `Timeline (${s().events.length})` },
    { id: 'agents', label: () => `Agents (${s().subagents.length + teamMembers().length})` },
    { id: 'notes', label: () => `Notes (${props.notes?.length ?? 0})` },
    { id: 'approvals', label: () => `Approvals (${props.approvalHistory?.length ?? 0})` },
  ];

  return (
    <article
      ref={root}
      class="detail"
      data-session-id={s().sessionId}
      data-focus={props.focus ?? undefined}
      data-status={s().status}
      style={accentOf(s()) ? { '--accent': accentOf(s())! } : undefined}
    >
      <header class="detail__head">
        <div class="detail__title-row">
          <Show when={props.onClose}>
            <button
              type="button"
              class="btn btn--ghost"
              onClick={() => props.onClose?.()}
              aria-label="Close detail"
            >
              ← Back
            </button>
          </Show>
          <h1 class="detail__title" classList={{ 'is-focused': props.focus === 'title' }}>
            {displayTitle(s())}
          </h1>
          <StatusBadge status={s().status} />
          <Show when={props.live === false}>
            <span class="chip">history</span>
          </Show>
          <Show when={s().archived}>
            <span class="chip">archived</span>
          </Show>
        </div>
        <div class="detail__actions">
          <Show when={props.actions?.resumeInTerminal}>
            <button
              type="button"
              class="btn btn--primary"
              // Idle: its claude may still run where it started; two processes must not share a session.
              onClick={() =>
                s().status === 'idle' ? setConfirm('resume') : props.actions?.resumeInTerminal?.()
              }
            >
              Resume in terminal
            </button>
          </Show>
          <Show when={props.actions?.setArchived}>
            <button type="button" class="btn" onClick={() => props.actions?.setArchived?.(!s().archived)}>
              {s().archived ? 'Unarchive' : 'Archive'}
            </button>
          </Show>
          <Show when={props.actions?.kill && s().status !== 'ended' && !props.forwardedFrom}>
            <button type="button" class="btn btn--danger" onClick={() => setConfirm('kill')}>
              Kill
            </button>
          </Show>
          <Show when={props.actions?.remove}>
            <button type="button" class="btn btn--danger-ghost" onClick={() => setConfirm('delete')}>
              Delete
            </button>
          </Show>
        </div>
      </header>

      <LineageLinks session={s()} lookup={props.lookup} onOpen={props.actions?.openSession} />

      <WhyPanel session={s()}>
        <Show when={props.approvals?.noticeForSession(s().sessionId)}>
          {(n) => (
            <ClosedNoticeView
              approval={n().approval}
              text={n().text}
              onDismiss={() => props.approvals?.dismiss(n().approval.id)}
            />
          )}
        </Show>
        <Show
          when={props.approvals?.forSession(s().sessionId)}
          fallback={
            <Show when={s().pendingApproval}>
              {(p) => (
                <div class="pending">
                  <strong>{p().kind === 'input' ? 'Question' : 'Pending approval'}:</strong> {p().detail}{' '}
                  <span class="muted">
                    (
                    {p().source === 'permission_request'
                      ? 'asked by the CLI'
                      : 'no answer within the timeout'}
                    )
                  </span>
                </div>
              )}
            </Show>
          }
        >
          {(a) => (
            <div class="pending pending--approval">
              <ApprovalItem approval={a()} store={props.approvals!} />
            </div>
          )}
        </Show>
      </WhyPanel>

      <WhereItRuns
        session={s()}
        onShowTerminal={props.actions?.showTerminal}
        onAttachTmux={props.actions?.attachTmux}
      />
      <PromptQueuePanel session={s()} api={props.actions?.queue} />

      <StatusTimeline session={s()} />

      <section class="facts" aria-label="Session facts">
        <dl>
          <dt>Title</dt>
          <dd>
            <EditableText label="Title" value={s().title} onSave={props.actions?.setTitle} />
          </dd>
          <dt>Label</dt>
          <dd>
            <EditableText
              label="Label"
              value={s().label ?? ''}
              placeholder="none"
              onSave={props.actions?.setLabel ? (v) => props.actions?.setLabel?.(v || null) : undefined}
            />
          </dd>
          <dt>Colour</dt>
          <dd class="color-edit">
            <input
              type="color"
              aria-label="Accent colour"
              value={accentOf(s()) ?? '#4f7cff'}
              disabled={!props.actions?.setAccentColor}
              onChange={(e) => props.actions?.setAccentColor?.(e.currentTarget.value)}
            />
            <Show when={s().accentColor && props.actions?.setAccentColor}>
              <button
                type="button"
                class="btn btn--ghost btn--small"
                onClick={() => props.actions?.setAccentColor?.(null)}
              >
                Reset
              </button>
            </Show>
          </dd>
          <dt>Project</dt>
          <dd title={s().projectPath}>
            {s().projectName} <code class="muted">{s().projectPath}</code>
          </dd>
          <dt>Agent</dt>
          <dd>
            {s().cli}
            {s().model ? ` · ${s().model}` : ''}
            {s().permissionMode ? ` · ${permissionModeLabel(s().permissionMode ?? '')}` : ''}
          </dd>
          <dt>Terminal</dt>
          <dd>
            {terminalLabel(s().source) ?? 'not detected'}
            {s().tty ? ` · ${s().tty}` : ''}
            {s().tmuxPane ? ` · tmux ${s().tmuxPane}` : ''}
            {s().pid ? ` · pid ${s().pid}` : ''}
            {s().host ? ` · on ${s().host}` : ''}
          </dd>
          <dt>Started</dt>
          <dd>
            {formatDateTime(s().startedAt)}
            <Show when={s().endedAt}> · ended {formatDateTime(s().endedAt ?? 0)}</Show>
            <Show when={s().endedAt !== null || s().endReason}> ({endReasonLabel(s().endReason)})</Show>
          </dd>
          <dt>Activity</dt>
          <dd>
            {plural(s().totalPrompts, 'prompt')} · {plural(s().totalToolCalls, 'tool call')}
            <Show when={s().resumeCount > 0}> · resumed {s().resumeCount}×</Show>
          </dd>
          <dt>Session id</dt>
          <dd>
            <code>{s().sessionId}</code>
          </dd>
          <Show when={earlierIds().length > 0}>
            <dt>Earlier ids</dt>
            <dd data-testid="earlier-ids">
              <For each={earlierIds()}>
                {(id, i) => (
                  <>
                    {i() > 0 ? ', ' : ''}
                    <code>{id}</code>
                  </>
                )}
              </For>
            </dd>
          </Show>
        </dl>
      </section>

      <CliCapabilitiesBox cli={s().cli} forwardedFrom={props.forwardedFrom ?? null} />

      <UsageBlock usage={s().usage} />

      <div class="tabs" role="tablist" aria-label="Session sections">
        <For each={tabs}>
          {(t) => (
            <button
              type="button"
              role="tab"
              class="tabs__tab"
              aria-selected={tab() === t.id}
              onClick={() => setTab(t.id)}
            >
              {t.label()}
            </button>
          )}
        </For>
      </div>

      <Show when={!focusFound() && focusRef()}>
        {(f) => (
          <p class="notice" role="status" data-testid="focus-missing">
            The matching {FOCUS_NOUN[f().kind]} is no longer in this session.
          </p>
        )}
      </Show>
      <div class="tabpanel" role="tabpanel">
        <Show when={tab() === 'tools'}>
          <Show when={tools().length > 0} fallback={<p class="muted">No tool calls yet.</p>}>
            <ul class="toolcalls">
              <For each={tools()}>
                {(c, i) => (
                  <ToolCallItem
                    call={c}
                    defaultOpen={i() === 0}
                    item={itemId('tool', toolKey(c))}
                    focused={focused('tool', toolKey(c))}
                  />
                )}
              </For>
            </ul>
          </Show>
        </Show>
        <Show when={transcriptView()}>{(v) => v()(() => setNoTranscript(true))}</Show>
        <Show when={tab() === 'conversation' && !transcriptView()}>
          <Show when={conversation().length > 0} fallback={<p class="muted">No prompts or responses yet.</p>}>
            <ol class="conversation">
              <For each={conversation()}>
                {(m) => {
                  // A system line (a task notification) is stored as a prompt by older sessions: a search hit
                  // on it names a prompt.
                  const kind = m.kind === 'system' ? 'prompt' : m.kind;
                  return (
                    <li
                      class={`msg msg--${m.kind}`}
                      data-item={itemId(kind, m.timestamp)}
                      classList={{ 'is-focused': focused(kind, m.timestamp) }}
                      aria-current={focused(kind, m.timestamp) ? 'true' : undefined}
                    >
                      <div class="msg__meta">
                        {m.kind === 'prompt' ? 'You' : m.kind === 'system' ? 'System' : 'Agent'} ·{' '}
                        {formatTime(m.timestamp)}
                        <Show when={m.kind === 'response' && m.agentId}> · subagent</Show>
                      </div>
                      <p class="msg__text">{m.text}</p>
                    </li>
                  );
                }}
              </For>
            </ol>
          </Show>
        </Show>
        <Show when={tab() === 'timeline'}>
          <ol class="timeline">
            <For each={[...s().events].reverse()}>
              {(e) => (
                <li class="timeline__item">
                  <time dateTime={new Date(e.timestamp).toISOString()}>{formatTime(e.timestamp)}</time>
                  <span class="timeline__type" data-type={e.type}>
                    {codeWords(e.type)}
                  </span>
                  <span>{e.detail}</span>
                </li>
              )}
            </For>
          </ol>
        </Show>
        <Show when={tab() === 'agents'}>
          <Show
            when={s().subagents.length > 0 || props.team}
            fallback={<p class="muted">No subagents or team.</p>}
          >
            <ul class="tree">
              <li>
                <strong>{displayTitle(s())}</strong>
                <Show when={props.team}>{(t) => <span class="chip">team {t().teamName}</span>}</Show>
                <ul>
                  <For each={s().subagents}>
                    {(a) => (
                      <li class={`tree__agent tree__agent--${a.status}`}>
                        <span class="chip">{a.status}</span> {a.agentType ?? 'subagent'}{' '}
                        <code>{a.agentId}</code> · {plural(a.toolCalls, 'tool call')}
                        <Show when={a.currentTool}> · running {a.currentTool}</Show>
                        <Show when={a.lastMessage}>
                          <p class="muted">{a.lastMessage}</p>
                        </Show>
                      </li>
                    )}
                  </For>
                  <For each={teamMembers()}>
                    {(id) => {
                      const member = () => props.lookup?.(id);
                      return (
                        <li class="tree__member">
                          <Show when={member()} fallback={<code>{id}</code>}>
                            {(m) => (
                              <a
                                href={`#/session/${encodeURIComponent(id)}`}
                                onClick={(e) => {
                                  if (props.actions?.openSession) {
                                    e.preventDefault();
                                    props.actions.openSession(id);
                                  }
                                }}
                              >
                                <StatusBadge status={m().status} compact /> {displayTitle(m())}
                                {m().agentName ? ` (${m().agentName})` : ''}
                              </a>
                            )}
                          </Show>
                        </li>
                      );
                    }}
                  </For>
                </ul>
              </li>
            </ul>
          </Show>
        </Show>
        <Show when={tab() === 'approvals'}>
          <ApprovalHistory records={props.approvalHistory ?? []} />
        </Show>
        <Show when={tab() === 'notes'}>
          <NotesPanel notes={props.notes ?? []} actions={props.actions} focus={props.focus} />
        </Show>
      </div>

      <ConfirmDialog
        open={confirm() === 'kill'}
        title="Kill this agent?"
        message={
          <p>
            Sends SIGTERM to <strong>{displayTitle(s())}</strong>
            {s().pid ? ` (pid ${s().pid})` : ''}. Unsaved work in the agent is lost.
          </p>
        }
        confirmLabel="Kill agent"
        danger
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          void props.actions?.kill?.();
        }}
      />
      <ConfirmDialog
        open={confirm() === 'resume'}
        title="Resume in a terminal?"
        message={
          <p>
            This session is idle: its claude may still be running where it started
            {s().pid ? ` (pid ${s().pid})` : ''}. Quit it there first, or two processes will write the same
            conversation.
          </p>
        }
        confirmLabel="Resume here"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          void props.actions?.resumeInTerminal?.();
        }}
      />
      <ConfirmDialog
        open={confirm() === 'delete'}
        title="Delete this session?"
        message={
          <p>Removes the session and its history (prompts, tool calls, notes). This cannot be undone.</p>
        }
        confirmLabel="Delete"
        danger
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          setConfirm(null);
          void props.actions?.remove?.();
        }}
      />
    </article>
  );
}

/** Minimum gap between two refetches of the open session while live events keep arriving. */
export const DETAIL_REFETCH_INTERVAL_MS = 250;

/** The full session for display: the fetched one, with the newer live scalars (status, reason…) over it. */
function withLive(full: Session, live: LiveSession | undefined): Session {
  if (!live) return full;
  const { counts: _counts, currentToolSummary: _summary, lastResponse: _last, ...scalars } = live;
  return { ...full, ...scalars };
}

/**
 * The detail route. The live store only holds summaries, so the full session (tool calls, conversation, timeline,
 * subagents) is loaded with `api.getSession` (live, else from history) and refetched when a live message changes
 * this session — coalesced: one request in flight, one trailing, at most every DETAIL_REFETCH_INTERVAL_MS. The
 * previous data stays on screen while refetching, and the answer is reconciled into a store so unchanged tool calls
 * keep their DOM (and their expanded state). Live scalar fields (status, reason, title…) show at once.
 */
export function DetailPage(props: {
  sessionId: string;
  /** The item to open at (`?item=`), or null. */
  item?: string | null;
  api: Api;
  store: SessionStore;
  onClose: () => void;
  onOpen: (id: string) => void;
  onToast: (msg: string) => void;
  /** Shows a terminal's page; without it the page offers no terminal actions. */
  onOpenTerminal?: (terminalId: string) => void;
  approvals?: ApprovalsStore;
}): JSX.Element {
  const live = () => props.store.session(props.sessionId);
  // Hosts with their own token send through a forwarder: their sessions run on another machine.
  const [hosts] = createResource(() => props.api.hostsList?.().catch(() => []) ?? Promise.resolve([]));
  const forwardedFrom = (host: string | null | undefined) =>
    host && (hosts.latest ?? []).some((h) => h.name === host) ? host : null;
  // `loaded`: an answer for the current id arrived (the session may still be null: not found).
  const [detail, setDetail] = createStore<{ session: Session | null; loaded: boolean }>({
    session: null,
    loaded: false,
  });
  let generation = 0;
  const load = async () => {
    const gen = generation;
    const id = props.sessionId;
    const got = await props.api.getSession(id, { full: !!props.item }).catch(() => null);
    if (gen !== generation) return;
    batch(() => {
      if (got) setDetail('session', reconcile(got, { key: 'toolUseId', merge: false }));
      else setDetail('session', null);
      setDetail('loaded', true);
    });
  };
  const fetcher = createCoalescer(load, { minIntervalMs: DETAIL_REFETCH_INTERVAL_MS });
  createEffect(
    on(
      () => props.sessionId,
      () => {
        generation++;
        setDetail({ session: null, loaded: false });
        fetcher.request();
      },
    ),
  );
  const off = props.store.onSessionChange((sid) => {
    if (sid === props.sessionId) fetcher.request();
  });
  onCleanup(() => {
    off();
    fetcher.dispose();
  });
  const [notes, { refetch: refetchNotes }] = createResource(
    () => props.sessionId,
    (id) => props.api.listNotes(id).catch(() => [] as Note[]),
  );
  // This session's approval audit, read again whenever one of its pending approvals closes.
  const [approvalHistory] = createResource(
    () =>
      [
        props.sessionId,
        props.approvals?.pending().filter((a) => a.sessionId === props.sessionId).length ?? 0,
        // a closed approval changes the session's status (its record is stored by then)
        live()?.statusReason.at ?? 0,
      ].join('\n'),
    () => props.api.approvalHistory({ sessionId: props.sessionId, limit: 100 }).catch(() => []),
  );
  const session = createMemo<Session | undefined>(() => {
    const full = detail.session;
    return full ? withLive(full, live()) : undefined;
  });
  // Linked cards (lineage) that are not on the live board — ended and only in history — are loaded once each, to
  // name them.
  const [linked] = createResource(
    () => {
      const s = session();
      const ids = s ? lineageOf(s).map((l) => l.sessionId) : [];
      return ids.filter((sid) => !props.store.session(sid)).join('\n') || false;
    },
    async (key) => {
      const found: Record<string, Session> = {};
      for (const sid of key.split('\n')) {
        const got = await props.api.getSession(sid).catch(() => null);
        if (got) found[sid] = got;
      }
      return found;
    },
  );
  const lookup: SessionLookup = (sid) =>
    props.store.session(sid) ?? (Object.hasOwn(linked() ?? {}, sid) ? linked()?.[sid] : undefined);
  const team = () => {
    const s = session();
    return s?.teamId ? (props.store.team(s.teamId) ?? null) : null;
  };
  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      fetcher.request();
    } catch (err) {
      props.onToast(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const id = () => props.sessionId;
  const canResume = createCanResume(session, () => props.api.terminals());
  const resume = () =>
    run('Resume', async () => {
      const t = await props.api.resumeTerminal(id());
      props.onOpenTerminal?.(t.id);
    });
  const actions: DetailActions = {
    queue: props.api,
    get resumeInTerminal() {
      return props.onOpenTerminal && canResume() ? resume : undefined;
    },
    setTitle: (t) => run('Rename', () => props.api.setTitle(id(), t)),
    setLabel: (l) => run('Label', () => props.api.setLabel(id(), l)),
    setAccentColor: (c) => run('Colour', () => props.api.setAccentColor(id(), c)),
    setArchived: (a) => run(a ? 'Archive' : 'Unarchive', () => props.api.setArchived(id(), a)),
    kill: () => run('Kill', () => props.api.kill(id())),
    remove: async () => {
      await run('Delete', () => props.api.deleteSession(id()));
      generation++;
      setDetail({ session: null, loaded: true });
      props.onClose();
    },
    addNote: (text) =>
      run('Add note', async () => {
        await props.api.addNote(id(), text);
        await refetchNotes();
      }),
    updateNote: (nid, text) =>
      run('Edit note', async () => {
        await props.api.updateNote(nid, text);
        await refetchNotes();
      }),
    deleteNote: (nid) =>
      run('Delete note', async () => {
        await props.api.deleteNote(nid);
        await refetchNotes();
      }),
    openSession: props.onOpen,
    ...(props.onOpenTerminal
      ? {
          showTerminal: props.onOpenTerminal,
          attachTmux: (target: string) =>
            run('Open terminal', async () => {
              const t = await props.api.createTerminal({ kind: 'tmux', tmuxTarget: target, ...INITIAL_SIZE });
              props.onOpenTerminal?.(t.id);
            }),
        }
      : {}),
  };
  return (
    <Show
      when={session()}
      fallback={
        <div class="empty">
          <Show when={!detail.loaded} fallback={<p>Session not found.</p>}>
            <p>Loading…</p>
          </Show>
          <button type="button" class="btn" onClick={() => props.onClose()}>
            Back to the board
          </button>
        </div>
      }
    >
      {(s) => (
        <SessionDetailView
          session={s()}
          notes={notes() ?? []}
          team={team()}
          lookup={lookup}
          live={live() !== undefined}
          actions={actions}
          onClose={props.onClose}
          focus={props.item ?? null}
          approvals={props.approvals}
          approvalHistory={approvalHistory.latest ?? []}
          conversationView={conversationView(props, s())}
          forwardedFrom={forwardedFrom(s().host)}
        />
      )}
    </Show>
  );
}
