import { createEffect, createMemo, createSignal, For, type JSX, Match, Show, Switch } from 'solid-js';
import type { ToolCall } from '../data/types.js';
import { diffLines, toolViewOf } from '../lib/diff.js';
import { formatTime } from '../lib/format.js';

export function DiffView(props: { oldText: string; newText: string; filePath?: string | null }): JSX.Element {
  const lines = createMemo(() => diffLines(props.oldText, props.newText));
  const stats = createMemo(() => ({
    add: lines().filter((l) => l.kind === 'add').length,
    del: lines().filter((l) => l.kind === 'del').length,
  }));
  return (
    <figure class="diff" aria-label={`Diff${props.filePath ? ` of ${props.filePath}` : ''}`}>
      <figcaption class="diff__head">
        <Show when={props.filePath}>
          <code>{props.filePath}</code>
        </Show>
        <span class="diff__stat diff__stat--add">+{stats().add}</span>
        <span class="diff__stat diff__stat--del">−{stats().del}</span>
      </figcaption>
      <pre class="diff__body">
        <For each={lines()}>
          {(l) => (
            <div class={`diff__line diff__line--${l.kind}`} data-kind={l.kind}>
              <span class="diff__no" aria-hidden="true">
                {l.oldNo ?? ''}
              </span>
              <span class="diff__no" aria-hidden="true">
                {l.newNo ?? ''}
              </span>
              <span class="diff__sign" aria-hidden="true">
                {l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}
              </span>
              <span class="diff__text">
                <Show when={l.kind !== 'same'}>
                  <span class="visually-hidden">{l.kind === 'add' ? 'added: ' : 'removed: '}</span>
                </Show>
                {l.text}
              </span>
            </div>
          )}
        </For>
      </pre>
    </figure>
  );
}

/** A shell command, after a `$` prompt. */
export function CommandView(props: { command: string; class?: string }): JSX.Element {
  return (
    <pre class={`code code--cmd ${props.class ?? ''}`}>
      <span class="bash__prompt" aria-hidden="true">
        ${' '}
      </span>
      {props.command}
    </pre>
  );
}

function json(v: unknown): string {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

export function ToolInput(props: { call: Pick<ToolCall, 'tool' | 'input'> }): JSX.Element {
  const view = createMemo(() => toolViewOf(props.call.tool, props.call.input));
  return (
    <Switch fallback={<pre class="code code--input">{json(props.call.input)}</pre>}>
      <Match
        when={view().kind === 'edit' && (view() as Extract<ReturnType<typeof toolViewOf>, { kind: 'edit' }>)}
      >
        {(v) => (
          <For each={v().edits}>
            {(e) => <DiffView oldText={e.oldText} newText={e.newText} filePath={v().filePath} />}
          </For>
        )}
      </Match>
      <Match
        when={
          view().kind === 'write' && (view() as Extract<ReturnType<typeof toolViewOf>, { kind: 'write' }>)
        }
      >
        {(v) => <DiffView oldText="" newText={v().content} filePath={v().filePath} />}
      </Match>
      <Match
        when={view().kind === 'bash' && (view() as Extract<ReturnType<typeof toolViewOf>, { kind: 'bash' }>)}
      >
        {(v) => (
          <div class="bash">
            <Show when={v().description}>
              <p class="bash__desc">{v().description}</p>
            </Show>
            <CommandView command={v().command} />
          </div>
        )}
      </Match>
    </Switch>
  );
}

export function ToolCallItem(props: {
  call: ToolCall;
  defaultOpen?: boolean;
  /** The item address (`lib/items.ts`), as `data-item`. */
  item?: string;
  /** The item a search hit opened: highlighted and expanded. */
  focused?: boolean;
}): JSX.Element {
  const [open, setOpen] = createSignal(props.defaultOpen ?? false);
  createEffect(() => {
    if (props.focused) setOpen(true);
  });
  const c = () => props.call;
  return (
    <li
      class={`toolcall toolcall--${c().status}`}
      classList={{ 'is-focused': !!props.focused }}
      data-tool={c().tool}
      data-item={props.item}
      aria-current={props.focused ? 'true' : undefined}
    >
      <button type="button" class="toolcall__summary" aria-expanded={open()} onClick={() => setOpen(!open())}>
        <span class={`toolcall__status toolcall__status--${c().status}`}>{c().status}</span>
        <span class="toolcall__tool">{c().tool}</span>
        <span class="toolcall__input-summary">{c().inputSummary}</span>
        <span class="toolcall__time">
          {formatTime(c().startedAt)}
          <Show when={c().durationMs !== null}> · {Math.round(c().durationMs ?? 0)} ms</Show>
        </span>
        <Show when={c().agentId}>
          <span class="chip" title="Made by a subagent">
            subagent
          </span>
        </Show>
      </button>
      <Show when={open()}>
        <div class="toolcall__body">
          <h4>Input</h4>
          <ToolInput call={c()} />
          <Show when={c().result}>
            <h4>{toolViewOf(c().tool, c().input).kind === 'bash' ? 'Output' : 'Result'}</h4>
            <pre class="code code--output">{c().result}</pre>
          </Show>
          <Show when={c().error}>
            <h4>Error</h4>
            <pre class="code code--error">{c().error}</pre>
          </Show>
        </div>
      </Show>
    </li>
  );
}
