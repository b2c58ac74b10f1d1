import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { createEffect, type JSX, onCleanup, onMount } from 'solid-js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  DoughnutController,
  ArcElement,
  Filler,
  Legend,
  Tooltip,
);

/**
 * A colour of the current theme, resolved (`rgb(…)`): the custom properties hold `light-dark(…)` pairs, which only
 * an element's computed colour turns into the colour of the scheme in use.
 */
export function themeColor(name: string, fallback: string): string {
  if (typeof document === 'undefined' || !document.body) return fallback;
  const probe = document.createElement('span');
  probe.style.display = 'none';
  probe.style.color = `var(${name}, ${fallback})`;
  document.body.appendChild(probe);
  const v = getComputedStyle(probe).color.trim();
  probe.remove();
  return v.startsWith('rgb') || v.startsWith('#') ? v : fallback;
}

/** `#rrggbb`, `#rgb` or `rgb(r, g, b)` with an alpha, as `rgba()`; other colour syntaxes are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const rgb = /^rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\s*\)$/i.exec(color.trim());
  if (rgb) return `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})`;
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return color;
  let hex = m[1]!;
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  const n = Number.parseInt(hex, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The options every Analytics chart starts from (theme colours, no animation, integer ticks). */
export function baseOptions() {
  const text = themeColor('--c-text-muted', '#667');
  const grid = themeColor('--c-border', '#ddd');
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    plugins: { legend: { display: false, labels: { color: text } } },
    scales: {
      x: { ticks: { color: text, precision: 0 }, grid: { color: grid } },
      y: { ticks: { color: text, precision: 0 }, grid: { color: grid }, beginAtZero: true },
    },
  };
}

/** A Chart.js chart bound to a reactive configuration: rebuilt when the config changes, destroyed on unmount. */
export function ChartCanvas(props: {
  config: () => ChartConfiguration;
  label: string;
  height?: number;
  class?: string;
}): JSX.Element {
  let canvas: HTMLCanvasElement | undefined;
  let chart: Chart | undefined;
  onMount(() => {
    createEffect(() => {
      const config = props.config();
      if (!canvas) return;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      if (
        chart &&
        (chart.config as unknown as { type: string }).type === (config as unknown as { type: string }).type
      ) {
        chart.data = config.data;
        if (config.options) chart.options = config.options;
        chart.update('none');
      } else {
        chart?.destroy();
        chart = new Chart(ctx, config);
      }
    });
  });
  onCleanup(() => chart?.destroy());
  return (
    <div class={`chart ${props.class ?? ''}`} style={{ height: `${props.height ?? 240}px` }}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}

/**
 * A tiny line chart with no axes, for sparklines: `values` (null: not reported, a gap), `labels` for the tooltip
 * (the index otherwise), `max` to fix the top of the scale (100 for shares).
 */
export function Sparkline(props: {
  values: ReadonlyArray<number | null>;
  label: string;
  color?: string | undefined;
  labels?: readonly string[];
  max?: number;
}): JSX.Element {
  return (
    <ChartCanvas
      class="sparkline"
      height={36}
      label={props.label}
      config={() => ({
        type: 'line',
        data: {
          labels: props.labels ? [...props.labels] : props.values.map((_, i) => i),
          datasets: [
            {
              data: [...props.values],
              borderColor: props.color ?? themeColor('--c-accent', '#4f7cff'),
              backgroundColor: 'transparent',
              borderWidth: 1.5,
              pointRadius: props.values.length === 1 ? 2 : 0,
              tension: 0.3,
              fill: false,
            },
          ],
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: { enabled: true, intersect: false, mode: 'index' },
          },
          scales: {
            x: { display: false },
            y: { display: false, beginAtZero: true, ...(props.max === undefined ? {} : { max: props.max }) },
          },
        },
      })}
    />
  );
}
