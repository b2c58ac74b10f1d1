import type { SessionUsage, UsageTotals } from '@flightdeck/shared-types';
import { For, type JSX, Show } from 'solid-js';
import { formatNumber, formatTokens, formatUsd, totalTokens } from '../lib/format.js';

/** One row of the usage table: a model or a subagent. */
function Row(props: { name: string; title?: string; u: UsageTotals }): JSX.Element {
  return (
    <tr>
      <th scope="row" title={props.title ?? props.name}>
        {props.name}
      </th>
      <td>{formatNumber(props.u.inputTokens)}</td>
      <td>{formatNumber(props.u.outputTokens)}</td>
      <td>{formatNumber(props.u.cacheReadTokens)}</td>
      <td
        title={`5 min: ${formatNumber(props.u.cacheWrite5mTokens)} · 1 h: ${formatNumber(props.u.cacheWrite1hTokens)}`}
      >
        {formatNumber(props.u.cacheWriteTokens)}
      </td>
      <td classList={{ muted: props.u.costUsd === null }}>{formatUsd(props.u.costUsd)}</td>
    </tr>
  );
}

/**
 * Tokens and cost of a session, per model and per subagent (read from its transcript: one count per API response).
 * A model without a price shows its tokens and "price unknown"; the session's cost is then unknown too.
 */
export function UsageBlock(props: { usage: SessionUsage | undefined }): JSX.Element {
  const u = () => props.usage;
  const models = () =>
    Object.entries(u()?.byModel ?? {}).sort((a, b) => totalTokens(b[1]) - totalTokens(a[1]));
  const agents = () =>
    Object.entries(u()?.byAgent ?? {}).sort((a, b) => totalTokens(b[1]) - totalTokens(a[1]));
  return (
    <section class="usage panel" aria-label="Tokens and cost" data-testid="usage-block">
      <h2>Tokens and cost</h2>
      <Show when={u()?.messages} fallback={<p class="muted">No API usage read from the transcript yet.</p>}>
        <p class="usage__total">
          <strong data-testid="usage-cost">{formatUsd(u()!.costUsd)}</strong> ·{' '}
          {formatTokens(totalTokens(u()!))} tokens · {formatNumber(u()!.messages)} API responses
        </p>
        <table class="table usage__table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Input</th>
              <th scope="col">Output</th>
              <th scope="col">Cache read</th>
              <th scope="col">Cache write</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            <For each={models()}>{([model, t]) => <Row name={model} u={t} />}</For>
          </tbody>
        </table>
        <Show when={agents().length > 0}>
          <h3>Subagents (included above)</h3>
          <table class="table usage__table" data-testid="usage-agents">
            <tbody>
              <For each={agents()}>
                {([agent, t]) => <Row name={`agent ${agent.slice(0, 8)}`} title={agent} u={t} />}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </section>
  );
}
