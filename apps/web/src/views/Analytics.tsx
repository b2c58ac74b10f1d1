import { createResource, For, type JSX, Show } from 'solid-js';
import { baseOptions, ChartCanvas, themeColor, withAlpha } from '../components/ChartCanvas.js';
import type { Analytics, Api } from '../data/types.js';
import { formatDateTime, formatNumber } from '../lib/format.js';
import { UsageSection } from './AnalyticsUsage.js';

/** The server numbers weekdays 0 = Monday … 6 = Sunday. */
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function Stat(props: { label: string; value: string | number }): JSX.Element {
  return (
    <div class="stat">
      <div class="stat__value">
        {typeof props.value === 'number' ? formatNumber(props.value) : props.value}
      </div>
      <div class="stat__label">{props.label}</div>
    </div>
  );
}

export function AnalyticsCharts(props: { data: Analytics }): JSX.Element {
  const accent = () => themeColor('--c-accent', '#4f7cff');
  const maxHeat = () => Math.max(1, ...props.data.heatmap.map((c) => c.count));
  return (
    <>
      <div class="stats-grid">
        <Stat label="Sessions" value={props.data.summary.totalSessions} />
        <Stat label="Active now" value={props.data.summary.activeSessions} />
        <Stat label="Prompts" value={props.data.summary.totalPrompts} />
        <Stat label="Tool calls" value={props.data.summary.totalToolCalls} />
        <Stat label="Most used tool" value={props.data.summary.mostUsedTool?.tool ?? '—'} />
        <Stat label="Busiest project" value={props.data.summary.busiestProject?.projectName ?? '—'} />
      </div>
      <div class="chart-grid">
        <section class="panel">
          <h2>Daily activity</h2>
          <ChartCanvas
            label="Sessions, prompts and tool calls per day"
            config={() => ({
              type: 'bar',
              data: {
                labels: props.data.daily.map((d) => d.date),
                datasets: [
                  {
                    label: 'Sessions',
                    data: props.data.daily.map((d) => d.sessions),
                    backgroundColor: accent(),
                  },
                  {
                    label: 'Prompts',
                    data: props.data.daily.map((d) => d.prompts),
                    backgroundColor: themeColor('--c-working', '#2f9e6b'),
                  },
                  {
                    label: 'Tool calls',
                    data: props.data.daily.map((d) => d.toolCalls),
                    backgroundColor: themeColor('--c-input', '#8e5cd9'),
                  },
                ],
              },
              options: { ...baseOptions(), plugins: { legend: { display: true } } },
            })}
          />
        </section>
        <section class="panel">
          <h2>Tools</h2>
          <ChartCanvas
            label="Tool calls by tool"
            height={Math.max(200, props.data.tools.slice(0, 15).length * 22 + 40)}
            config={() => ({
              type: 'bar',
              data: {
                labels: props.data.tools.slice(0, 15).map((t) => t.tool),
                datasets: [
                  {
                    label: 'Calls',
                    data: props.data.tools.slice(0, 15).map((t) => t.count),
                    backgroundColor: accent(),
                  },
                ],
              },
              options: { ...baseOptions(), indexAxis: 'y' as const },
            })}
          />
        </section>
        <section class="panel">
          <h2>Projects</h2>
          <ChartCanvas
            label="Sessions per project"
            config={() => ({
              type: 'bar',
              data: {
                labels: props.data.projects.slice(0, 12).map((p) => p.projectName),
                datasets: [
                  {
                    label: 'Sessions',
                    data: props.data.projects.slice(0, 12).map((p) => p.sessionCount),
                    backgroundColor: themeColor('--c-waiting', '#3b82c4'),
                  },
                ],
              },
              options: baseOptions(),
            })}
          />
          <table class="table">
            <thead>
              <tr>
                <th>Project</th>
                <th>Sessions</th>
                <th>Last activity</th>
              </tr>
            </thead>
            <tbody>
              <For each={props.data.projects.slice(0, 12)}>
                {(p) => (
                  <tr>
                    <td title={p.projectPath}>{p.projectName}</td>
                    <td>{p.sessionCount}</td>
                    <td>{p.lastActivityAt ? formatDateTime(p.lastActivityAt) : '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
        <section class="panel">
          <h2>Activity heatmap</h2>
          <ChartCanvas
            label="Activity by weekday and hour"
            height={260}
            config={() => {
              const counts = new Map(props.data.heatmap.map((c) => [`${c.day_of_week}:${c.hour}`, c.count]));
              const cells = Array.from({ length: 7 * 24 }, (_, i) => {
                const y = Math.floor(i / 24);
                const x = i % 24;
                return { x, y, count: counts.get(`${y}:${x}`) ?? 0 };
              });
              const muted = themeColor('--c-text-muted', '#667');
              const empty = themeColor('--c-surface-2', '#eef1f6');
              return {
                type: 'scatter',
                data: {
                  datasets: [
                    {
                      label: 'Events',
                      data: cells,
                      pointStyle: 'rectRounded',
                      pointRadius: (ctx: { chart: { chartArea?: { width: number; height: number } } }) => {
                        const area = ctx.chart.chartArea;
                        return area ? Math.max(2, Math.min(area.width / 24, area.height / 7) / 2 - 1) : 5;
                      },
                      pointHoverRadius: (ctx: {
                        chart: { chartArea?: { width: number; height: number } };
                      }) => {
                        const area = ctx.chart.chartArea;
                        return area ? Math.max(3, Math.min(area.width / 24, area.height / 7) / 2) : 6;
                      },
                      backgroundColor: cells.map((c) =>
                        c.count === 0 ? empty : withAlpha(accent(), 0.2 + (0.8 * c.count) / maxHeat()),
                      ),
                      borderWidth: 0,
                    },
                  ],
                },
                options: {
                  ...baseOptions(),
                  plugins: {
                    legend: { display: false },
                    tooltip: {
                      callbacks: {
                        label: (ctx) => {
                          const raw = ctx.raw as { x: number; y: number; count: number };
                          return `${DAYS[raw.y] ?? raw.y} ${String(raw.x).padStart(2, '0')}:00 — ${raw.count} events`;
                        },
                      },
                    },
                  },
                  scales: {
                    x: {
                      min: -0.5,
                      max: 23.5,
                      afterBuildTicks: (axis) => {
                        axis.ticks = [0, 3, 6, 9, 12, 15, 18, 21].map((value) => ({ value }));
                      },
                      ticks: { color: muted, callback: (v) => `${String(v).padStart(2, '0')}h` },
                      grid: { display: false },
                    },
                    y: {
                      min: -0.5,
                      max: 6.5,
                      reverse: true,
                      afterBuildTicks: (axis) => {
                        axis.ticks = [0, 1, 2, 3, 4, 5, 6].map((value) => ({ value }));
                      },
                      ticks: { color: muted, callback: (v) => DAYS[Number(v)] ?? '' },
                      grid: { display: false },
                    },
                  },
                },
              };
            }}
          />
        </section>
      </div>
    </>
  );
}

export function AnalyticsView(props: { api: Api }): JSX.Element {
  const [data, { refetch }] = createResource(() => props.api.analytics());
  return (
    <section class="analytics" aria-label="Analytics">
      <div class="page-head">
        <h1 class="page-title">Analytics</h1>
        <button type="button" class="btn" onClick={() => refetch()}>
          Refresh
        </button>
      </div>
      <Show when={data.error}>
        <p class="error" role="alert">
          Could not load analytics: {data.error instanceof Error ? data.error.message : String(data.error)}
        </p>
      </Show>
      <Show when={data.latest} fallback={<p class="muted">Loading…</p>}>
        {(d) => <AnalyticsCharts data={d()} />}
      </Show>
      <UsageSection api={props.api} />
    </section>
  );
}
