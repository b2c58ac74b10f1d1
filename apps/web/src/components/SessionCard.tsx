import { type JSX, Show } from 'solid-js';
import type { LiveSession } from '../data/types.js';
import { now } from '../lib/clock.js';
import { formatDuration, formatNumber, formatTokens, formatUsd, totalTokens } from '../lib/format.js';
import { accentOf, activityLine, displayTitle, STATUS_META } from '../lib/status.js';
import { predecessorOf, relationWords, shortId, terminalLabel } from '../lib/words.js';
import type { ApprovalsStore } from '../store/approvals.js';
import { ApprovalActions } from './Approval.js';
import { StatusBadge } from './StatusBadge.js';

/** `claude-sonnet-4-6` → `sonnet-4-6`; the full name is in the tooltip. */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, '').replace(/-\d{8}$/, '');
}

export interface SessionCardProps {
  /** The live summary: the card shows nothing that needs the history arrays. */
  session: LiveSession;
  selected?: boolean;
  onOpen?: (sessionId: string) => void;
  onSelect?: (sessionId: string) => void;
  /** The pending approvals: a card whose approval can be answered from here shows Allow / Deny / Allow for session. */
  approvals?: ApprovalsStore;
}

/**
 * One live session. Reads only the fields it shows, so a store update of an unrelated field of this
 * session — or of another session — does not touch it.
 */
export function SessionCard(props: SessionCardProps): JSX.Element {
  const s = () => props.session;
  const meta = () => STATUS_META[s().status];
  const inStatus = () => formatDuration(now() - s().statusReason.at);
  const accent = () => accentOf(s());
  const title = () => displayTitle(s());
  /** The approval this card waits on, when it can be answered from Flightdeck. */
  const approval = () => {
    const p = s().pendingApproval;
    return meta().needsYou && p?.id && p.decidable ? props.approvals?.get(p.id) : undefined;
  };
  return (
    <article
      class={`card card--${s().status}`}
      classList={{ 'card--needs-you': meta().needsYou, 'card--selected': props.selected === true }}
      data-session-id={s().sessionId}
      data-status={s().status}
      style={accent() ? { '--accent': accent()! } : undefined}
      aria-label={`${title()} — ${meta().label}`}
      aria-current={props.selected ? 'true' : undefined}
      onClick={() => props.onSelect?.(s().sessionId)}
      onFocusIn={() => props.onSelect?.(s().sessionId)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target === e.currentTarget) props.onOpen?.(s().sessionId);
      }}
      onDblClick={(e) => {
        // Two quick clicks on Allow / Deny are not a request to open the session.
        if (!(e.target as Element).closest?.('button')) props.onOpen?.(s().sessionId);
      }}
    >
      <header class="card__head">
        <StatusBadge status={s().status} />
        <Show when={predecessorOf(s())}>
          {(link) => (
            <a
              class="card__lineage"
              href={`#/session/${encodeURIComponent(link().sessionId)}`}
              aria-label={`Continues session ${shortId(link().sessionId)} (${relationWords(link().relation)})`}
              title={`Continues session ${link().sessionId} (${relationWords(link().relation)})`}
              data-testid="lineage-marker"
              onClick={(e) => {
                if (props.onOpen) {
                  e.preventDefault();
                  props.onOpen(link().sessionId);
                }
              }}
            >
              <span aria-hidden="true">↳</span> {relationWords(link().relation)}
            </a>
          )}
        </Show>
        <Show when={s().usage?.messages || s().usage?.source === 'otel'}>
          <span
            class="card__usage"
            title={`Tokens: ${formatNumber(totalTokens(s().usage))} (input ${formatNumber(s().usage.inputTokens)}, output ${formatNumber(s().usage.outputTokens)}, cache read ${formatNumber(s().usage.cacheReadTokens)}, cache write ${formatNumber(s().usage.cacheWriteTokens)}) · ${formatUsd(s().usage.costUsd)}`}
            data-testid="card-usage"
          >
            {formatUsd(s().usage.costUsd)} · {formatTokens(totalTokens(s().usage))} tok
          </span>
        </Show>
        <span class="card__time" title="Time in this status" data-testid="time-in-status">
          {inStatus()}
        </span>
      </header>
      <h3 class="card__title">
        <a
          href={`#/session/${encodeURIComponent(s().sessionId)}`}
          onClick={(e) => {
            if (props.onOpen) {
              e.preventDefault();
              props.onOpen(s().sessionId);
            }
          }}
        >
          {title()}
        </a>
      </h3>
      <div class="card__project" title={s().projectPath}>
        {s().projectName}
        <Show when={s().label && s().title && s().label !== s().title}>
          <span class="card__subtitle"> · {s().title}</span>
        </Show>
      </div>
      <p
        class="card__activity"
        classList={{ 'card__activity--alert': meta().needsYou }}
        data-testid="activity"
      >
        {activityLine(s())}
      </p>
      <Show when={approval()}>
        {(a) => (
          <div class="card__approval" data-testid="card-approval">
            <ApprovalActions approval={a()} store={props.approvals!} compact />
          </div>
        )}
      </Show>
      <Show when={approval() === undefined}>
        <footer class="card__meta">
          <span class={`chip chip--cli chip--${s().cli}`}>{s().cli}</span>
          <Show when={s().model}>
            <span class="chip chip--model" title={`Model: ${s().model}`}>
              {shortModel(s().model ?? '')}
            </span>
          </Show>
          <span class="card__stat" title="Tool calls">
            <span aria-hidden="true">⚒</span> {s().totalToolCalls}
            <span class="visually-hidden"> tool calls</span>
          </span>
          <Show when={s().subagentCount > 0}>
            <span class="card__stat" title="Running subagents">
              <span aria-hidden="true">⑂</span> {s().subagentCount}
              <span class="visually-hidden"> subagents</span>
            </span>
          </Show>
          <Show when={s().queueCount > 0}>
            <span
              class="card__stat card__queue"
              classList={{ 'card__queue--held': s().queueNote !== null }}
              title={s().queueNote ?? 'Prompts queued for this session'}
              data-testid="queue-count"
            >
              <span aria-hidden="true">☰</span> {s().queueCount}
              <span class="visually-hidden"> queued prompts</span>
            </span>
          </Show>
          <Show when={terminalLabel(s().source)}>
            {(terminal) => (
              <span class="card__source" title={`Terminal: ${terminal()}`}>
                <span aria-hidden="true">⌨</span> {terminal()}
              </span>
            )}
          </Show>
          <Show when={s().host}>
            {(host) => (
              <span class="card__host" title={`Host: ${host()}`} data-testid="host">
                <span aria-hidden="true">⌂</span> {host()}
                <span class="visually-hidden"> (host)</span>
              </span>
            )}
          </Show>
        </footer>
      </Show>
    </article>
  );
}
