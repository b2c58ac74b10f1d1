import {
  DEFAULT_HOST_THRESHOLDS,
  HOST_METRIC_LABELS,
  HOST_METRICS,
  type HostMetric,
} from '@flightdeck/shared-types';
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import type { AlertChannel, AlertCondition, AlertRuleDraft, AlertRuleView, Api } from '../data/types.js';
import { formatDateTime } from '../lib/format.js';

const CHANNELS: Array<{ id: AlertChannel; label: string }> = [
  { id: 'in-app', label: 'In the page' },
  { id: 'browser', label: 'Browser notification' },
  { id: 'push', label: 'Web Push (phone)' },
  { id: 'webhook', label: 'Webhook' },
];

const CONDITIONS: Array<{ type: AlertCondition['type']; label: string; timed: boolean }> = [
  { type: 'approval-waiting', label: 'An approval waits longer than…', timed: true },
  { type: 'idle', label: 'A session waits for me longer than…', timed: true },
  { type: 'error', label: 'A turn fails', timed: false },
  { type: 'ended-unexpectedly', label: 'A session ends unexpectedly', timed: false },
  { type: 'approval-opened', label: 'An approval opens', timed: false },
  { type: 'host-offline', label: 'A host stops reporting for…', timed: true },
  { type: 'host-metric', label: 'A host metric reaches…', timed: false },
];

const LEVELS: Array<{ id: 'warn' | 'danger'; label: string }> = [
  { id: 'warn', label: 'warning' },
  { id: 'danger', label: 'danger' },
];

/** A rule's condition in words: "An approval waits longer than 5 min". */
export function conditionWords(c: AlertCondition): string {
  if (c.type === 'host-metric')
    return `A host's ${HOST_METRIC_LABELS[c.metric]} reaches ${c.level === 'danger' ? 'danger' : 'warning'} (≥ ${DEFAULT_HOST_THRESHOLDS[c.metric][c.level]} %)`;
  const label = CONDITIONS.find((x) => x.type === c.type)?.label ?? c.type;
  return 'minutes' in c ? `${label.replace(/…$/, '')} ${c.minutes} min` : label;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Settings → Alert rules: the rules (as data on the server), a form for a new one, and the delivery log. */
export function AlertRulesPanel(props: { api: Api; onToast: (m: string) => void }): JSX.Element {
  const [rules, { refetch }] = createResource(() => props.api.alertRules());
  const [deliveries, { refetch: refetchDeliveries }] = createResource(() => props.api.alertDeliveries(20));
  const [error, setError] = createSignal<string | null>(null);
  const [name, setName] = createSignal('');
  const [type, setType] = createSignal<AlertCondition['type']>('approval-waiting');
  const [minutes, setMinutes] = createSignal(5);
  const [metric, setMetric] = createSignal<HostMetric>('cpu');
  const [level, setLevel] = createSignal<'warn' | 'danger'>('danger');
  const [channels, setChannels] = createSignal<AlertChannel[]>(['browser', 'push']);
  const [url, setUrl] = createSignal('');
  const [secret, setSecret] = createSignal('');
  const timed = () => CONDITIONS.find((c) => c.type === type())?.timed === true;
  // (reading an errored resource throws: its error is shown instead)
  const ruleList = () => (rules.error ? [] : (rules() ?? []));
  const deliveryList = () => (deliveries.error ? [] : (deliveries() ?? []));
  const run = async (fn: () => Promise<void>, done?: string) => {
    setError(null);
    try {
      await fn();
      if (done) props.onToast(done);
      await refetch();
      void refetchDeliveries();
    } catch (e) {
      setError(errText(e));
    }
  };
  const draftOf = (r: AlertRuleView, enabled: boolean): AlertRuleDraft => ({
    name: r.name,
    enabled,
    condition: r.condition,
    channels: r.channels,
    // the stored secret is kept (not sent back to the page)
    webhook: r.webhook ? { url: r.webhook.url } : null,
  });
  const condition = (): AlertCondition =>
    type() === 'host-metric'
      ? { type: 'host-metric', metric: metric(), level: level() }
      : timed()
        ? { type: type() as 'approval-waiting' | 'idle' | 'host-offline', minutes: minutes() }
        : ({ type: type() } as AlertCondition);
  return (
    <section class="panel" aria-labelledby="rules-title">
      <h2 id="rules-title">Alert rules</h2>
      <p class="muted">
        When to tell you, and where. Push reaches the devices where push is enabled; a webhook gets a signed
        JSON POST.
      </p>
      <Show when={rules.error}>
        <p class="error" role="alert">
          Could not read the alert rules: {errText(rules.error)}
        </p>
      </Show>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <table class="table" data-testid="alert-rules">
        <thead>
          <tr>
            <th>On</th>
            <th>Rule</th>
            <th>Channels</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          <For each={ruleList()}>
            {(r) => (
              <tr data-rule-id={r.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Rule ${r.name} on`}
                    checked={r.enabled}
                    onChange={(e) =>
                      run(() => props.api.updateAlertRule(r.id, draftOf(r, e.currentTarget.checked)))
                    }
                  />
                </td>
                <td>
                  <strong>{r.name}</strong>
                  <div class="muted small">{conditionWords(r.condition)}</div>
                </td>
                <td>
                  {r.channels.map((c) => CHANNELS.find((x) => x.id === c)?.label ?? c).join(', ')}
                  <Show when={r.webhook}>
                    {(w) => (
                      <div class="muted small">
                        <code>{w().url}</code>
                      </div>
                    )}
                  </Show>
                </td>
                <td>
                  <div class="actions">
                    <button
                      type="button"
                      class="btn btn--small"
                      onClick={() =>
                        run(() => props.api.testAlertRule(r.id), `Test alert sent for “${r.name}”`)
                      }
                    >
                      Test
                    </button>
                    <button
                      type="button"
                      class="btn btn--small btn--danger-ghost"
                      onClick={() => run(() => props.api.deleteAlertRule(r.id), `Rule “${r.name}” deleted`)}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <form
        class="rule-form"
        aria-label="New alert rule"
        onSubmit={(e) => {
          e.preventDefault();
          const webhook = channels().includes('webhook') ? { url: url().trim(), secret: secret() } : null;
          void run(async () => {
            await props.api.createAlertRule({
              name: name().trim(),
              enabled: true,
              condition: condition(),
              channels: channels(),
              webhook,
            });
            setName('');
            setSecret('');
          }, 'Alert rule added');
        }}
      >
        <h3>New rule</h3>
        <div class="form-row">
          <input
            aria-label="Rule name"
            placeholder="Name"
            maxLength={200}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <select
            aria-label="When"
            value={type()}
            onChange={(e) => setType(e.currentTarget.value as AlertCondition['type'])}
          >
            <For each={CONDITIONS}>{(c) => <option value={c.type}>{c.label}</option>}</For>
          </select>
          <Show when={type() === 'host-metric'}>
            <select
              aria-label="Metric"
              value={metric()}
              onChange={(e) => setMetric(e.currentTarget.value as HostMetric)}
            >
              <For each={HOST_METRICS}>{(m) => <option value={m}>{HOST_METRIC_LABELS[m]}</option>}</For>
            </select>
            <select
              aria-label="Level"
              value={level()}
              onChange={(e) => setLevel(e.currentTarget.value as 'warn' | 'danger')}
            >
              <For each={LEVELS}>
                {(l) => (
                  <option value={l.id}>
                    {l.label} (≥ {DEFAULT_HOST_THRESHOLDS[metric()][l.id]} %)
                  </option>
                )}
              </For>
            </select>
          </Show>
          <Show when={timed()}>
            <label class="rule-form__minutes">
              <input
                type="number"
                min="1"
                max={7 * 24 * 60}
                aria-label="Minutes"
                value={minutes()}
                onInput={(e) => setMinutes(Math.max(1, Math.round(Number(e.currentTarget.value) || 1)))}
              />{' '}
              min
            </label>
          </Show>
        </div>
        <fieldset class="form-row rule-form__channels">
          <legend>Channels</legend>
          <For each={CHANNELS}>
            {(c) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={channels().includes(c.id)}
                  onChange={(e) =>
                    setChannels(
                      e.currentTarget.checked ? [...channels(), c.id] : channels().filter((x) => x !== c.id),
                    )
                  }
                />
                {c.label}
              </label>
            )}
          </For>
        </fieldset>
        <Show when={channels().includes('webhook')}>
          <div class="form-row">
            <input
              type="url"
              aria-label="Webhook URL"
              placeholder="https://example.com/hook"
              value={url()}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
            <input
              type="password"
              autocomplete="off"
              aria-label="Webhook secret (signs each POST, 16 characters or more)"
              placeholder="Secret (16+ characters)"
              value={secret()}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          </div>
        </Show>
        <button type="submit" class="btn btn--primary" disabled={!name().trim() || channels().length === 0}>
          Add rule
        </button>
      </form>
      <h3>Deliveries</h3>
      <Show
        when={deliveryList().length > 0}
        fallback={<p class="muted">No push message or webhook sent yet.</p>}
      >
        <ol class="timeline" data-testid="alert-deliveries">
          <For each={deliveryList()}>
            {(d) => (
              <li class="timeline__item" data-status={d.status}>
                <time dateTime={new Date(d.at).toISOString()}>{formatDateTime(d.at)}</time>
                <span class="timeline__type">
                  {d.channel} · {d.status}
                  {d.httpStatus ? ` (${d.httpStatus})` : ''}
                </span>
                <span>
                  <code>{d.target}</code> · attempt {d.attempt}
                  <Show when={d.error}>
                    <span class="muted"> · {d.error}</span>
                  </Show>
                </span>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </section>
  );
}
