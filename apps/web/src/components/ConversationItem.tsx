import type { ConversationItem, ConversationToolResult } from '@flightdeck/shared-types';
import { createSignal, type JSX, Match, Show, Switch } from 'solid-js';
import { formatTime } from '../lib/format.js';
import { ToolInput } from './ToolCallView.js';

type Tool = Extract<ConversationItem, { kind: 'tool' }>;

const SYSTEM_LABEL: Record<Extract<ConversationItem, { kind: 'system' }>['event'], string> = {
  compaction: 'Compaction',
  'task-notification': 'Task notification',
  error: 'Error',
  retry: 'Retry',
  interrupt: 'Interrupted',
};

/** The input field that says what a call does (a command, a path, a pattern…), on one line. */
function inputSummary(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const o = input as Record<string, unknown>;
  for (const k of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt']) {
    const v = o[k];
    if (typeof v === 'string' && v.trim() !== '') return v.replace(/\s+/g, ' ').slice(0, 160);
  }
  return '';
}

function Meta(props: { who: string; at: number | null }): JSX.Element {
  return (
    <div class="msg__meta">
      {props.who}
      <Show when={props.at !== null}> · {formatTime(props.at ?? 0)}</Show>
    </div>
  );
}

/** A tool call inline: name and input summary; open, its input and result; a subagent's conversation under it. */
function ToolItem(props: {
  item: Tool;
  late: ConversationToolResult | undefined;
  subagent: (agentId: string) => JSX.Element;
}): JSX.Element {
  const [open, setOpen] = createSignal(false);
  const [subOpen, setSubOpen] = createSignal(false);
  const result = () => props.item.result ?? props.late?.result ?? null;
  const isError = () => (props.item.result !== null ? props.item.isError : (props.late?.isError ?? false));
  const agentId = () => props.item.subagent?.agentId ?? props.late?.agentId ?? null;
  const state = () => (result() === null ? 'pending' : isError() ? 'error' : 'done');
  return (
    <div class={`convo-tool convo-tool--${state()}`} data-tool={props.item.name}>
      <button
        type="button"
        class="convo-tool__summary"
        aria-expanded={open()}
        onClick={() => setOpen(!open())}
      >
        <span class={`toolcall__status toolcall__status--${state()}`}>{state()}</span>
        <span class="toolcall__tool">{props.item.name}</span>
        <span class="convo-tool__input">{inputSummary(props.item.input)}</span>
      </button>
      <Show when={open()}>
        <div class="convo-tool__body">
          <h4>Input</h4>
          <ToolInput call={{ tool: props.item.name, input: props.item.input }} />
          <Show when={result() !== null}>
            <h4>{isError() ? 'Error' : 'Result'}</h4>
            <pre class={`code ${isError() ? 'code--error' : 'code--output'}`} data-part="result">
              {result()}
            </pre>
          </Show>
        </div>
      </Show>
      <Show when={props.item.subagent}>
        {(sub) => (
          <div class="convo-sub">
            <button
              type="button"
              class="convo-sub__toggle"
              aria-expanded={subOpen()}
              disabled={agentId() === null}
              onClick={() => setSubOpen(!subOpen())}
            >
              Subagent{sub().agentType ? ` (${sub().agentType})` : ''}: {sub().description ?? 'conversation'}
              <Show when={agentId() === null}> — not started yet</Show>
            </button>
            <Show when={subOpen() && agentId()}>{(id) => props.subagent(id())}</Show>
          </div>
        )}
      </Show>
    </div>
  );
}

/** One conversation item, as the detail page shows it. */
export function ConversationRow(props: {
  item: ConversationItem;
  late: ConversationToolResult | undefined;
  subagent: (agentId: string) => JSX.Element;
}): JSX.Element {
  const it = () => props.item;
  return (
    <Switch>
      <Match when={it().kind === 'prompt' && (it() as Extract<ConversationItem, { kind: 'prompt' }>)}>
        {(p) => (
          <div class="msg msg--prompt">
            <Meta who="You" at={p().at} />
            <p class="msg__text">{p().text}</p>
          </div>
        )}
      </Match>
      <Match when={it().kind === 'text' && (it() as Extract<ConversationItem, { kind: 'text' }>)}>
        {(t) => (
          <div class="msg msg--response">
            <Meta who="Agent" at={t().at} />
            <p class="msg__text">{t().text}</p>
          </div>
        )}
      </Match>
      <Match when={it().kind === 'thinking' && (it() as Extract<ConversationItem, { kind: 'thinking' }>)}>
        {(t) => (
          <details class="msg msg--thinking">
            <summary class="msg__meta">Thinking</summary>
            <p class="msg__text">{t().text}</p>
          </details>
        )}
      </Match>
      <Match when={it().kind === 'tool' && (it() as Tool)}>
        {(t) => <ToolItem item={t()} late={props.late} subagent={props.subagent} />}
      </Match>
      <Match when={it().kind === 'system' && (it() as Extract<ConversationItem, { kind: 'system' }>)}>
        {(s) => (
          <div class={`msg msg--system msg--${s().event}`} data-event={s().event}>
            <Meta who={SYSTEM_LABEL[s().event]} at={s().at} />
            <p class="msg__text">{s().text}</p>
          </div>
        )}
      </Match>
    </Switch>
  );
}
