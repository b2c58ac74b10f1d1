import { createSignal, For, type JSX, Match, Show, Switch } from 'solid-js';
import type { ApprovalDecision, ApprovalView } from '../data/types.js';
import { approvalHeadline, approvalWhere } from '../lib/approvals.js';
import { now } from '../lib/clock.js';
import { formatDuration } from '../lib/format.js';
import type { ApprovalsStore } from '../store/approvals.js';
import { CliApprovalNote } from './CliCapabilities.js';
import { CommandView, DiffView } from './ToolCallView.js';

/** Chosen option labels, by question (a multi-select question joins its labels with ", "). */
export type Answers = Record<string, string[]>;

function QuestionsView(props: {
  approval: ApprovalView;
  answers: Answers;
  onAnswer: (question: string, labels: string[]) => void;
  disabled: boolean;
}): JSX.Element {
  return (
    <div class="approval__questions">
      <For each={props.approval.rendering.questions ?? []}>
        {(q, qi) => {
          const name = `${props.approval.id}-q${qi()}`;
          const chosen = () => props.answers[q.question] ?? [];
          return (
            <fieldset class="approval__question" disabled={props.disabled}>
              <legend>
                <Show when={q.header}>
                  <span class="chip">{q.header}</span>{' '}
                </Show>
                {q.question}
              </legend>
              <For each={q.options}>
                {(o) => (
                  <label class="approval__option">
                    <input
                      type={q.multiSelect ? 'checkbox' : 'radio'}
                      name={name}
                      value={o.label}
                      checked={chosen().includes(o.label)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        const next = q.multiSelect
                          ? on
                            ? [...chosen(), o.label]
                            : chosen().filter((l) => l !== o.label)
                          : [o.label];
                        props.onAnswer(q.question, next);
                      }}
                    />
                    <span>
                      <strong>{o.label}</strong>
                      <Show when={o.description}>
                        <span class="muted"> — {o.description}</span>
                      </Show>
                    </span>
                  </label>
                )}
              </For>
            </fieldset>
          );
        }}
      </For>
    </div>
  );
}

/** What the agent asks, readable: the command, the diff, the URL, the questions with their options, the plan. */
export function ApprovalBody(props: {
  approval: ApprovalView;
  answers?: Answers;
  onAnswer?: (question: string, labels: string[]) => void;
  disabled?: boolean;
}): JSX.Element {
  const r = () => props.approval.rendering;
  return (
    <div class="approval__body" data-kind={r().kind}>
      <Switch fallback={<pre class="code code--input">{r().text}</pre>}>
        <Match when={r().kind === 'command'}>
          <CommandView command={r().text} class="approval__command" />
        </Match>
        <Match when={r().kind === 'diff' && r().diff}>
          {(d) => <DiffView oldText={d().before} newText={d().after} filePath={d().path} />}
        </Match>
        <Match when={r().kind === 'url'}>
          <p class="approval__url">
            <code>{r().text}</code>
          </p>
        </Match>
        <Match when={r().kind === 'question' && (r().questions?.length ?? 0) > 0}>
          <QuestionsView
            approval={props.approval}
            answers={props.answers ?? {}}
            onAnswer={(q, labels) => props.onAnswer?.(q, labels)}
            disabled={props.disabled === true || !props.onAnswer}
          />
        </Match>
        <Match when={r().kind === 'plan'}>
          <div class="approval__plan" data-testid="approval-plan">
            {r().text}
          </div>
        </Match>
      </Switch>
    </div>
  );
}

/**
 * Allow / Deny (with an optional message) / Allow for this session. Disabled while a decision is in flight; an
 * approval that cannot be answered from here says where to answer instead.
 */
export function ApprovalActions(props: {
  approval: ApprovalView;
  store: ApprovalsStore;
  /** Questions: the chosen options, sent with Allow. */
  answers?: Answers;
  /** Card: small buttons; the message field and a question's options are in the tray ("More…" opens it there). */
  compact?: boolean;
}): JSX.Element {
  const [message, setMessage] = createSignal('');
  const a = () => props.approval;
  const busy = () => props.store.busy(a().id);
  const isQuestion = () => a().rendering.kind === 'question' && (a().rendering.questions?.length ?? 0) > 0;
  const answers = (): Record<string, string> | undefined => {
    if (!isQuestion()) return undefined;
    const out: Record<string, string> = {};
    for (const [q, labels] of Object.entries(props.answers ?? {}))
      if (labels.length) out[q] = labels.join(', ');
    return out;
  };
  /** Codex fails closed on a session rule sent by a hook: it is never offered there. */
  const canRemember = () => !isQuestion() && a().cli !== 'codex';
  const unanswered = () =>
    isQuestion() && (a().rendering.questions ?? []).some((q) => !props.answers?.[q.question]?.length);
  const decide = (d: ApprovalDecision) => void props.store.decide(a().id, d);
  const deny = () => {
    const m = message().trim();
    decide({ behavior: 'deny', ...(m ? { message: m.slice(0, 2000) } : {}) });
  };
  const size = () => (props.compact ? 'btn--small' : 'btn--large');
  return (
    <Show
      when={a().decidable}
      fallback={
        <>
          <p class="approval__elsewhere" data-testid="not-decidable">
            {a().notDecidableReason ?? 'Answer in the terminal.'}
          </p>
          <CliApprovalNote cli={a().cli} />
        </>
      }
    >
      <div class="approval__actions" classList={{ 'approval__actions--compact': props.compact === true }}>
        <Show when={!props.compact}>
          <input
            class="approval__message"
            type="text"
            maxLength={2000}
            aria-label="Message to the agent (with Deny)"
            placeholder="Message to the agent (optional, with Deny)"
            value={message()}
            disabled={busy()}
            onInput={(e) => setMessage(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                deny();
              }
            }}
          />
        </Show>
        <div class="approval__buttons">
          <Show
            when={!(props.compact && isQuestion())}
            fallback={
              <button
                type="button"
                class={`btn btn--answer ${size()}`}
                onClick={(e) => {
                  e.stopPropagation();
                  props.store.focus(a().id);
                }}
              >
                Answer…
              </button>
            }
          >
            <button
              type="button"
              class={`btn btn--allow ${size()}`}
              disabled={busy() || unanswered()}
              aria-keyshortcuts="a"
              onClick={() => decide({ behavior: 'allow', ...(answers() ? { answers: answers() } : {}) })}
            >
              {isQuestion() ? 'Answer' : 'Allow'}
            </button>
          </Show>
          <button
            type="button"
            class={`btn btn--deny ${size()}`}
            disabled={busy()}
            aria-keyshortcuts="d"
            onClick={deny}
          >
            Deny
          </button>
          <Show when={canRemember()}>
            <button
              type="button"
              class={`btn btn--session ${size()}`}
              disabled={busy()}
              aria-keyshortcuts="s"
              title="Allow, and do not ask again for this in this session"
              onClick={() => decide({ behavior: 'allow', remember: 'session' })}
            >
              Allow for session
            </button>
          </Show>
          <Show when={props.compact && !isQuestion()}>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              title="Deny with a message, see the whole request (opens the approvals tray)"
              aria-label="More: deny with a message, see the whole request"
              onClick={(e) => {
                e.stopPropagation();
                props.store.focus(a().id);
              }}
            >
              ⋯
            </button>
          </Show>
        </div>
        <Show when={busy()}>
          <span class="muted small" role="status">
            Sending…
          </span>
        </Show>
      </div>
    </Show>
  );
}

/** One pending approval: what is asked, by which session, since when, and the buttons. */
export function ApprovalItem(props: {
  approval: ApprovalView;
  store: ApprovalsStore;
  /** Show which session asks (the tray); the detail page already says it. */
  showWhere?: boolean;
  focused?: boolean;
  onOpenSession?: (sessionId: string) => void;
}): JSX.Element {
  const [answers, setAnswers] = createSignal<Answers>({});
  const a = () => props.approval;
  return (
    <article
      class="approval"
      classList={{ 'approval--focused': props.focused === true, 'approval--busy': props.store.busy(a().id) }}
      data-approval-id={a().id}
      data-session-id={a().sessionId}
      tabindex="0"
      aria-label={`${approvalHeadline(a())} — ${approvalWhere(a())}`}
    >
      <header class="approval__head">
        <span class="approval__icon" aria-hidden="true">
          <span>{a().kind === 'input' ? '?' : '!'}</span>
        </span>
        <h3 class="approval__title">{approvalHeadline(a())}</h3>
        <span class="approval__since muted" title="Waiting since">
          {formatDuration(now() - a().since)}
        </span>
      </header>
      <Show when={props.showWhere}>
        <p class="approval__where">
          <a
            href={`#/session/${encodeURIComponent(a().sessionId)}`}
            onClick={(e) => {
              if (props.onOpenSession) {
                e.preventDefault();
                props.onOpenSession(a().sessionId);
              }
            }}
          >
            {approvalWhere(a())}
          </a>{' '}
          <span class={`chip chip--cli chip--${a().cli}`}>{a().cli}</span>
          <Show when={a().agentId}>
            <span class="chip" title="Asked by a subagent">
              subagent
            </span>
          </Show>
        </p>
      </Show>
      <ApprovalBody
        approval={a()}
        answers={answers()}
        onAnswer={(q, labels) => setAnswers({ ...answers(), [q]: labels })}
        disabled={props.store.busy(a().id) || !a().decidable}
      />
      <ApprovalActions approval={a()} store={props.store} answers={answers()} />
    </article>
  );
}

/** A decision the server refused (the approval had closed): its words, plainly, until dismissed. */
export function ClosedNoticeView(props: { approval: ApprovalView; text: string; onDismiss: () => void }) {
  return (
    <div class="approval approval--closed" role="alert" data-testid="approval-notice">
      <p>
        <strong>{approvalHeadline(props.approval)}</strong> — {props.text}
      </p>
      <button type="button" class="btn btn--small" onClick={() => props.onDismiss()}>
        Dismiss
      </button>
    </div>
  );
}
