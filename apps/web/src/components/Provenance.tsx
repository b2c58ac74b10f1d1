import type { LineageLink, StatusReason } from '@flightdeck/shared-types';
import { createMemo, createSignal, For, type JSX, Show } from 'solid-js';
import type { LiveSession, Session } from '../data/types.js';
import { now } from '../lib/clock.js';
import { formatDateTime, formatDuration, formatTime } from '../lib/format.js';
import { displayTitle, STATUS_META } from '../lib/status.js';
import { causeLabel, lineageOf, lineageWords, shortId, statusHistoryOf } from '../lib/words.js';
import { StatusBadge } from './StatusBadge.js';

/** What the detail page can learn about another session (live summary, or a loaded one). */
export type SessionLookup = (
  sessionId: string,
) => Pick<LiveSession, 'status' | 'label' | 'title' | 'projectName' | 'agentName'> | undefined;

function Time(props: { at: number; children?: JSX.Element }): JSX.Element {
  return (
    <time dateTime={new Date(props.at).toISOString()} title={formatDateTime(props.at)}>
      {props.children ?? formatTime(props.at)}
    </time>
  );
}

/**
 * "Why “Working” for 2m 05s": the current reason, where it came from in words, since when, and — when the status
 * stayed while its reason moved on — how long ago the reason was updated.
 */
export function WhyPanel(props: { session: Session; children?: JSX.Element }): JSX.Element {
  const meta = () => STATUS_META[props.session.status];
  const reason = () => props.session.statusReason;
  const updatedAt = () => {
    const r = reason();
    return r.reasonAt !== undefined && r.reasonAt > r.at ? r.reasonAt : null;
  };
  return (
    <section
      class="why"
      classList={{ 'why--needs-you': meta().needsYou }}
      aria-labelledby="why-title"
      data-testid="status-reason"
    >
      <h2 id="why-title">
        Why “{meta().label}” <span class="why__since">for {formatDuration(now() - reason().at)}</span>
        <Show when={updatedAt()}>
          {(at) => (
            <span class="why__since" data-testid="reason-updated">
              {' '}
              · reason updated <Time at={at()}>{formatDuration(now() - at())} ago</Time>
            </span>
          )}
        </Show>
      </h2>
      <p class="why__detail">{reason().detail}</p>
      <dl class="why__facts">
        <dt>Source</dt>
        <dd data-testid="reason-source" data-cause={reason().cause} data-trigger={reason().trigger}>
          {causeLabel(reason())}
        </dd>
        <dt>In this status since</dt>
        <dd>
          <time dateTime={new Date(reason().at).toISOString()}>{formatDateTime(reason().at)}</time>
        </dd>
      </dl>
      {props.children}
    </section>
  );
}

/** How many entries the status timeline shows before "Show all". */
export const STATUS_TIMELINE_SHOWN = 8;

/**
 * The status changes, newest first: the session's `statusHistory`, ending with its current status (appended when
 * the history does not end with it yet: a live status can be newer than the loaded session).
 */
export function statusTimeline(s: Pick<Session, 'statusHistory' | 'statusReason'>): StatusReason[] {
  const history = statusHistoryOf(s);
  const last = history[history.length - 1];
  const cur = s.statusReason;
  const list = last && last.status === cur.status && last.at === cur.at ? [...history] : [...history, cur];
  return list.reverse();
}

/** The status timeline: each change with its badge, time, how long it lasted, its source and detail. */
export function StatusTimeline(props: { session: Session }): JSX.Element {
  const entries = createMemo(() => statusTimeline(props.session));
  const [all, setAll] = createSignal(false);
  const shown = () => (all() ? entries() : entries().slice(0, STATUS_TIMELINE_SHOWN));
  return (
    <section class="statuses" aria-labelledby="statuses-title" data-testid="status-timeline">
      <h2 id="statuses-title">Status timeline</h2>
      <ol class="statuses__list">
        <For each={shown()}>
          {(r, i) => {
            // Newest first: the entry after this one in time is the one before it in the list.
            const until = () => (i() === 0 ? null : (entries()[i() - 1]?.at ?? null));
            return (
              <li class="statuses__item" data-status={r.status} aria-current={i() === 0 ? 'true' : undefined}>
                <StatusBadge status={r.status} />
                <Time at={r.at} />
                <span class="statuses__for">
                  {until() === null
                    ? `for ${formatDuration(now() - r.at)} so far`
                    : `for ${formatDuration((until() ?? r.at) - r.at)}`}
                </span>
                <span class="statuses__source" data-cause={r.cause}>
                  {causeLabel(r)}
                </span>
                <Show when={r.detail}>
                  <p class="statuses__detail">{r.detail}</p>
                </Show>
              </li>
            );
          }}
        </For>
      </ol>
      <Show when={entries().length > STATUS_TIMELINE_SHOWN}>
        <button type="button" class="btn btn--ghost btn--small" onClick={() => setAll(!all())}>
          {all() ? 'Show fewer' : `Show all ${entries().length}`}
        </button>
      </Show>
    </section>
  );
}

/** One link to a related card: "Continues <title> (after /clear)", "Resumed in <title>", … */
function LineageItem(props: {
  link: LineageLink;
  lookup?: SessionLookup;
  onOpen?: (sessionId: string) => void;
}): JSX.Element {
  const other = () => props.lookup?.(props.link.sessionId);
  const name = () => {
    const o = other();
    return o ? displayTitle(o) : `session ${shortId(props.link.sessionId)}`;
  };
  const words = () => lineageWords(props.link);
  return (
    <li
      class="lineage__item"
      data-relation={props.link.relation}
      data-direction={props.link.direction}
      data-session-id={props.link.sessionId}
    >
      <span aria-hidden="true" class="lineage__arrow">
        {props.link.direction === 'predecessor' ? '↰' : '↳'}
      </span>{' '}
      {words().before}{' '}
      <a
        href={`#/session/${encodeURIComponent(props.link.sessionId)}`}
        onClick={(e) => {
          if (props.onOpen) {
            e.preventDefault();
            props.onOpen(props.link.sessionId);
          }
        }}
      >
        <Show when={other()}>
          {(o) => (
            <>
              <StatusBadge status={o().status} compact />{' '}
            </>
          )}
        </Show>
        {name()}
      </a>
      <Show when={words().after}> {words().after}</Show>
      <span class="muted">
        {' · '}
        <Time at={props.link.at}>{formatDateTime(props.link.at)}</Time>
      </span>
    </li>
  );
}

/** The cards this one continues and the cards that continue it, as links; nothing when there are none. */
export function LineageLinks(props: {
  session: Pick<Session, 'lineage'>;
  lookup?: SessionLookup;
  onOpen?: (sessionId: string) => void;
}): JSX.Element {
  // What this card continues first, then what continues it; each oldest first.
  const links = createMemo(() =>
    [...lineageOf(props.session)].sort(
      (a, b) => Number(a.direction === 'successor') - Number(b.direction === 'successor') || a.at - b.at,
    ),
  );
  return (
    <Show when={links().length > 0}>
      <nav class="lineage" aria-label="Related sessions" data-testid="lineage">
        <ul class="lineage__list">
          <For each={links()}>
            {(l) => <LineageItem link={l} lookup={props.lookup} onOpen={props.onOpen} />}
          </For>
        </ul>
      </nav>
    </Show>
  );
}
