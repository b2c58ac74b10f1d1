/**
 * The Hosts page (issue 19): every machine that sends its agents' events through `flightdeck forward`, with whether
 * it is online (heard from within `hostOfflineAfterMs`, the server decides), when it was last heard from, how many
 * agents run there, and its metrics (CPU, memory, load per core, disk, swap) as sparklines of the recent samples
 * coloured by their thresholds (`host-health.ts` of shared-types). Polls `hosts.list` every few seconds.
 */
import {
  DEFAULT_HOST_THRESHOLDS,
  HOST_METRIC_LABELS,
  HOST_METRICS,
  metricLevel,
  metricPercent,
} from '@flightdeck/shared-types';
import { createResource, For, type JSX, onCleanup, Show } from 'solid-js';
import { Sparkline, themeColor } from '../components/ChartCanvas.js';
import { HOST_STATE_WORDS, type HostInfo, type HostsApi, hostStateOf } from '../data/hosts.js';
import { now } from '../lib/clock.js';
import { errText, formatDuration, formatTime, plural } from '../lib/format.js';

/** How often the page asks again (reports arrive every 5 s by default). */
export const HOSTS_POLL_MS = 5000;

/** Sparkline colours of a metric in warning or danger (the accent colour otherwise). */
const LEVEL_COLOR: Partial<Record<'warn' | 'danger', () => string>> = {
  warn: () => themeColor('--c-warn', '#b08800'),
  danger: () => themeColor('--c-danger', '#c92a2a'),
};

function HostCard(props: { host: HostInfo; onBoard: (host: string) => void }): JSX.Element {
  const h = () => props.host;
  const state = () => hostStateOf(h());
  const heard = () => {
    const at = h().lastSeenAt;
    return at === null ? 'never heard from' : `last heard ${formatDuration(Math.max(0, now() - at))} ago`;
  };
  return (
    <article class="host-card panel" data-host={h().name} data-state={state()}>
      <header class="host-card__head">
        <h3>{h().name}</h3>
        <span class={`chip host-state host-state--${state()}`} data-testid="host-state">
          {HOST_STATE_WORDS[state()]}
        </span>
      </header>
      <p class="muted host-card__meta">
        {heard()} · {plural(h().agentCount, 'agent')}{' '}
        <button type="button" class="btn btn--link" onClick={() => props.onBoard(h().name)}>
          Show on the board
        </button>
      </p>
      <Show
        when={h().samples.length > 0}
        fallback={<p class="muted">No metrics yet: the forwarder reports them every few seconds.</p>}
      >
        <div class="host-metrics">
          <For each={HOST_METRICS}>
            {(metric) => {
              const values = () => h().samples.map((s) => metricPercent(s.metrics, metric) ?? 0);
              const latest = () => {
                const last = h().samples.at(-1);
                return last ? metricPercent(last.metrics, metric) : null;
              };
              const level = () => metricLevel(latest(), DEFAULT_HOST_THRESHOLDS[metric]);
              return (
                <div class={`host-metric host-metric--${level()}`} data-metric={metric} data-level={level()}>
                  <div class="host-metric__head">
                    <span>{HOST_METRIC_LABELS[metric]}</span>
                    <strong>{latest() === null ? '—' : `${Math.round(latest() as number)} %`}</strong>
                  </div>
                  <Sparkline
                    values={values()}
                    labels={h().samples.map((s) => formatTime(s.receivedAt))}
                    max={100}
                    label={`${h().name} ${HOST_METRIC_LABELS[metric]} over the last ${h().samples.length} samples`}
                    color={level() === 'ok' ? undefined : LEVEL_COLOR[level() as 'warn' | 'danger']?.()}
                  />
                </div>
              );
            }}
          </For>
        </div>
      </Show>
    </article>
  );
}

export function HostsView(props: {
  list: HostsApi['hostsList'];
  onBoard: (host: string) => void;
}): JSX.Element {
  const [hosts, { refetch }] = createResource(() => props.list());
  const timer = setInterval(() => void refetch(), HOSTS_POLL_MS);
  onCleanup(() => clearInterval(timer));
  /** The latest list (kept while a poll is under way); undefined before the first and after a failed one. */
  const latest = () => (hosts.state === 'errored' ? undefined : hosts.latest);
  const offline = () => (latest() ?? []).filter((h) => h.offline && !h.revoked).length;
  return (
    <section class="hosts-view" aria-labelledby="hosts-view-title">
      <h2 id="hosts-view-title">Hosts</h2>
      <Show when={hosts.state === 'errored'}>
        <p class="error" role="alert">
          Hosts could not be read: {errText(hosts.error)}
        </p>
      </Show>
      <Show when={latest()}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <p class="muted">
                No other machine yet. Add a host in Settings → Hosts, then run{' '}
                <code>flightdeck forward --to URL --token TOKEN</code> on it.
              </p>
            }
          >
            <p class="muted" data-testid="hosts-summary">
              {plural(list().length, 'host')}
              {offline() > 0 ? `, ${offline()} offline` : ', all online'}
            </p>
            <div class="host-grid">
              <For each={list()}>{(h) => <HostCard host={h} onBoard={props.onBoard} />}</For>
            </div>
          </Show>
        )}
      </Show>
    </section>
  );
}
