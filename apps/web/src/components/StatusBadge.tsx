import type { SessionStatus } from '@flightdeck/shared-types';
import { type JSX, Match, Switch } from 'solid-js';
import { STATUS_META } from '../lib/status.js';

/** The status glyph: each status has its own shape so it reads without colour. */
export function StatusIcon(props: { status: SessionStatus; size?: number }): JSX.Element {
  const size = () => props.size ?? 16;
  return (
    <svg
      class="status-icon"
      data-shape={STATUS_META[props.status].shape}
      width={size()}
      height={size()}
      viewBox="0 0 16 16"
      aria-hidden="true"
    >
      <Switch>
        <Match when={props.status === 'approval'}>
          <path d="M8 0.8 15.2 8 8 15.2 0.8 8Z" fill="currentColor" />
          <rect x="7" y="3.8" width="2" height="5.4" rx="1" fill="var(--icon-fg)" />
          <circle cx="8" cy="11.4" r="1.2" fill="var(--icon-fg)" />
        </Match>
        <Match when={props.status === 'input'}>
          <path
            d="M2 1.5h12a1.5 1.5 0 0 1 1.5 1.5v8a1.5 1.5 0 0 1-1.5 1.5H7l-4 3v-3H2A1.5 1.5 0 0 1 .5 11V3A1.5 1.5 0 0 1 2 1.5Z"
            fill="currentColor"
          />
          <path
            d="M6.2 5.3a1.9 1.9 0 1 1 2.6 1.8c-.5.2-.8.6-.8 1.1v.4"
            stroke="var(--icon-fg)"
            stroke-width="1.5"
            fill="none"
            stroke-linecap="round"
          />
          <circle cx="8" cy="10.2" r=".9" fill="var(--icon-fg)" />
        </Match>
        <Match when={props.status === 'working'}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M6.3 4.6 11.2 8l-4.9 3.4Z" fill="var(--icon-fg)" />
        </Match>
        <Match when={props.status === 'prompting'}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <circle cx="5" cy="8" r="1.1" fill="var(--icon-fg)" />
          <circle cx="8" cy="8" r="1.1" fill="var(--icon-fg)" />
          <circle cx="11" cy="8" r="1.1" fill="var(--icon-fg)" />
        </Match>
        <Match when={props.status === 'waiting'}>
          <rect x="1" y="1" width="14" height="14" rx="3" fill="currentColor" />
          <path
            d="M4.5 8.3 7 10.7l4.6-5"
            stroke="var(--icon-fg)"
            stroke-width="1.8"
            fill="none"
            stroke-linecap="round"
          />
        </Match>
        <Match when={props.status === 'ended'}>
          <rect
            x="1.5"
            y="1.5"
            width="13"
            height="13"
            rx="1.5"
            fill="none"
            stroke="currentColor"
            stroke-width="1.6"
          />
          <rect x="5" y="5" width="6" height="6" fill="currentColor" />
        </Match>
        <Match when={props.status === 'connecting'}>
          <circle
            cx="8"
            cy="8"
            r="6"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-dasharray="3 2.2"
          />
        </Match>
        <Match when={props.status === 'idle'}>
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="2" />
        </Match>
      </Switch>
    </svg>
  );
}

export function StatusBadge(props: { status: SessionStatus; compact?: boolean }): JSX.Element {
  const meta = () => STATUS_META[props.status];
  return (
    <span
      class={`badge badge--${props.status}`}
      classList={{ 'badge--needs-you': meta().needsYou }}
      data-status={props.status}
      title={meta().description}
    >
      <StatusIcon status={props.status} />
      <span class="badge__label" classList={{ 'visually-hidden': props.compact === true }}>
        {meta().label}
      </span>
    </span>
  );
}
