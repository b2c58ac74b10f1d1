import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { baseOptions, ChartCanvas, themeColor } from '../components/ChartCanvas.js';
import type { Api, UsageGroupBy, UsageReport } from '../data/types.js';
import { formatNumber, formatTokens, formatUsd, totalTokens } from '../lib/format.js';

const DAY_MS = 86_400_000;
const RANGES = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
] as const;
const GROUPS: ReadonlyArray<{ id: UsageGroupBy; label: string }> = [
  { id: 'day', label: 'By day' },
  { id: 'project', label: 'By project' },
  { id: 'model', label: 'By model' },
];
/** Groups charted (the largest; the table lists them all). */
const CHARTED = 20;

/** What the models with a price cost (a group's own cost is unknown when one of its models has no price). */
function pricedCost(byModel: Record<string, { costUsd: number | null }>): number {
  return Object.values(byModel).reduce((n, m) => n + (m.costUsd ?? 0), 0);
}

/** Bars of USD (`money`) or of tokens stacked by kind. */
function options(stacked: boolean, money: boolean) {
  const base = baseOptions();
  const { x, y } = base.scales;
  return {
    ...base,
    plugins: { legend: { ...base.plugins.legend, display: stacked } },
    scales: {
      x: { ...x, stacked },
      y: {
        ...y,
        stacked,
        ticks: {
          ...y.ticks,
          precision: undefined,
          callback: (v: string | number) => (money ? `$${v}` : formatTokens(Number(v))),
        },
      },
    },
  };
}

/** The usage charts and table of one report. */
export function UsageCharts(props: { report: UsageReport }): JSX.Element {
  const groups = () => props.report.groups.slice(0, CHARTED);
  const labels = () => groups().map((g) => g.label);
  const tokenSets = () =>
    (
      [
        ['Input', 'inputTokens', '--c-accent', '#4f7cff'],
        ['Output', 'outputTokens', '--c-working', '#2f9e6b'],
        ['Cache read', 'cacheReadTokens', '--c-waiting', '#3b82c4'],
        ['Cache write', 'cacheWriteTokens', '--c-input', '#8e5cd9'],
      ] as const
    ).map(([label, key, color, fallback]) => ({
      label,
      data: groups().map((g) => g[key]),
      backgroundColor: themeColor(color, fallback),
    }));
  const total = () => props.report.total;
  return (
    <>
      <p class="usage__total" data-testid="usage-total">
        <strong>{formatUsd(total().costUsd)}</strong> · {formatTokens(totalTokens(total()))} tokens ·{' '}
        {formatNumber(total().messages)} API responses
        <Show when={props.report.unpricedModels.length > 0}>
          <span class="muted"> · price unknown for {props.report.unpricedModels.join(', ')}</span>
        </Show>
      </p>
      <div class="chart-grid">
        <section class="panel">
          <h3>Cost of the priced models (USD)</h3>
          <ChartCanvas
            label="Cost per group"
            config={() => ({
              type: 'bar',
              data: {
                labels: labels(),
                datasets: [
                  {
                    label: 'Cost (USD)',
                    data: groups().map((g) => pricedCost(g.byModel)),
                    backgroundColor: themeColor('--c-accent', '#4f7cff'),
                  },
                ],
              },
              options: options(false, true),
            })}
          />
        </section>
        <section class="panel">
          <h3>Tokens</h3>
          <ChartCanvas
            label="Tokens per group"
            config={() => ({
              type: 'bar',
              data: { labels: labels(), datasets: tokenSets() },
              options: options(true, false),
            })}
          />
        </section>
      </div>
      <table class="table usage__table" data-testid="usage-groups">
        <thead>
          <tr>
            <th scope="col">
              {props.report.groupBy === 'day'
                ? 'Day'
                : props.report.groupBy === 'model'
                  ? 'Model'
                  : 'Project'}
            </th>
            <th scope="col">Tokens</th>
            <th scope="col">Responses</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.report.groups}>
            {(g) => (
              <tr>
                <th scope="row" title={g.key}>
                  {g.label}
                </th>
                <td
                  title={`input ${formatNumber(g.inputTokens)} · output ${formatNumber(g.outputTokens)} · cache read ${formatNumber(g.cacheReadTokens)} · cache write ${formatNumber(g.cacheWriteTokens)}`}
                >
                  {formatTokens(totalTokens(g))}
                </td>
                <td>{formatNumber(g.messages)}</td>
                <td classList={{ muted: g.costUsd === null }}>{formatUsd(g.costUsd)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted">
        Prices checked {props.report.pricing.checkedOn} (<a href={props.report.pricing.source}>source</a>),
        overridable with <code>pricing</code> in config.json.
      </p>
    </>
  );
}

/** Tokens and cost over a time range, by day, project or model. */
export function UsageSection(props: { api: Api; now?: () => number }): JSX.Element {
  const [days, setDays] = createSignal<number>(30);
  const [groupBy, setGroupBy] = createSignal<UsageGroupBy>('day');
  const [report] = createResource(
    () => ({ days: days(), groupBy: groupBy() }),
    ({ days: d, groupBy: g }) => {
      const to = (props.now ?? Date.now)() + 60_000;
      return props.api.usage({ from: Math.max(946_684_800_000, to - d * DAY_MS), to, groupBy: g });
    },
  );
  return (
    <section class="usage-analytics panel" aria-label="Tokens and cost" data-testid="usage-analytics">
      <div class="page-head">
        <h2>Tokens and cost</h2>
        <label>
          Range{' '}
          <select
            aria-label="Time range"
            value={days()}
            onChange={(e) => setDays(Number(e.currentTarget.value))}
          >
            <For each={RANGES}>{(r) => <option value={r.days}>{r.label}</option>}</For>
          </select>
        </label>
        <div class="tabs" role="tablist" aria-label="Group usage">
          <For each={GROUPS}>
            {(g) => (
              <button
                type="button"
                role="tab"
                class="tabs__tab"
                aria-selected={groupBy() === g.id}
                onClick={() => setGroupBy(g.id)}
              >
                {g.label}
              </button>
            )}
          </For>
        </div>
      </div>
      <Show when={report.error}>
        <p class="error" role="alert">
          Could not load usage: {report.error instanceof Error ? report.error.message : String(report.error)}
        </p>
      </Show>
      <Show when={report.latest} fallback={<p class="muted">Loading…</p>}>
        {(r) => (
          <Show when={r().groups.length > 0} fallback={<p class="muted">No API usage in this range.</p>}>
            <UsageCharts report={r()} />
          </Show>
        )}
      </Show>
    </section>
  );
}
