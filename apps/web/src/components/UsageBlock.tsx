import type { OtelUsage, SessionUsage, UsageTotals } from '@flightdeck/shared-types';
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

/** Dollars to the hundredth of a cent (sources compared side by side differ in such amounts). */
function fineUsd(usd: number | null): string {
  if (usd === null) return 'price unknown';
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** The two sources disagree: other tokens, or costs more than a hundredth of a cent apart. */
export function sourcesDisagree(u: SessionUsage, otel: OtelUsage): boolean {
  if (u.inputTokens !== otel.inputTokens || u.outputTokens !== otel.outputTokens) return true;
  if (u.cacheReadTokens !== otel.cacheReadTokens || u.cacheWriteTokens !== otel.cacheWriteTokens) return true;
  if (u.costUsd === null || otel.costUsd === null) return u.costUsd !== otel.costUsd;
  return Math.abs(u.costUsd - otel.costUsd) >= 0.00005;
}

/**
 * What OpenTelemetry reported, beside the transcript's count: shown when the two disagree (and which is used), or
 * as the source of the totals when the transcript gave none.
 */
function OtelLine(props: { usage: SessionUsage; otel: OtelUsage }): JSX.Element {
  const o = () => props.otel;
  return (
    <p class="usage__otel muted" data-testid="usage-otel">
      OpenTelemetry: {fineUsd(o().costUsd)} · {formatTokens(totalTokens(o()))} tokens ·{' '}
      {formatNumber(o().requests)} API requests · used:{' '}
      {props.usage.source === 'otel' ? 'OpenTelemetry (no usage in the transcript)' : 'transcript'}
      <Show when={props.usage.source !== 'otel'}> (transcript: {fineUsd(props.usage.costUsd)})</Show>
    </p>
  );
}

/**
 * Tokens and cost of a session, per model and per subagent (read from its transcript: one count per API response).
 * A model without a price shows its tokens and "price unknown"; the session's cost is then unknown too. What the
 * agent's OpenTelemetry export reported is shown beside it when the two disagree, and is the total when the
 * transcript gave none.
 */
export function UsageBlock(props: { usage: SessionUsage | undefined }): JSX.Element {
  const u = () => props.usage;
  const models = () =>
    Object.entries(u()?.byModel ?? {}).sort((a, b) => totalTokens(b[1]) - totalTokens(a[1]));
  const agents = () =>
    Object.entries(u()?.byAgent ?? {}).sort((a, b) => totalTokens(b[1]) - totalTokens(a[1]));
  const otel = () => {
    const x = u();
    const o = x?.otel;
    if (!x || !o) return null;
    return x.source === 'otel' || sourcesDisagree(x, o) ? o : null;
  };
  const fromOtel = () => (u()?.source === 'otel' ? u() : undefined);
  return (
    <section class="usage panel" aria-label="Tokens and cost" data-testid="usage-block">
      <h2>Tokens and cost</h2>
      <Show when={otel()}>{(o) => <OtelLine usage={u()!} otel={o()} />}</Show>
      <Show
        when={u()?.messages}
        fallback={
          <Show when={fromOtel()} fallback={<p class="muted">No API usage read from the transcript yet.</p>}>
            {(x) => (
              <p class="usage__total">
                <strong data-testid="usage-cost">{formatUsd(x().costUsd)}</strong> ·{' '}
                {formatTokens(totalTokens(x()))} tokens (from OpenTelemetry)
              </p>
            )}
          </Show>
        }
      >
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
