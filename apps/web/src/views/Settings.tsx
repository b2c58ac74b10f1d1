import { AGENT_CLIS, type AgentCli, capabilitiesOf, capabilitySummary } from '@flightdeck/shared-types';
import { createResource, createSignal, For, type JSX, onCleanup, Show } from 'solid-js';
import { AlertRulesPanel } from '../components/AlertRules.js';
import { Sparkline } from '../components/ChartCanvas.js';
import { HostsPanel } from '../components/HostsPanel.js';
import { ImportPanel } from '../components/ImportPanel.js';
import { SshHostsPanel } from '../components/SshHosts.js';
import { StoragePanel } from '../components/StoragePanel.js';
import { TelemetryToggle } from '../components/TelemetryToggle.js';
import type { Api, HookDensity, SystemStats } from '../data/types.js';
import { chime } from '../lib/alerts.js';
import { errText, formatNumber } from '../lib/format.js';
import { applyTheme, prefs, setPrefs } from '../lib/prefs.js';
import { enablePush, pushSupported } from '../lib/push.js';

const SPARK_POINTS = 60;

export function HooksPanel(props: { api: Api; onToast: (m: string) => void }): JSX.Element {
  const [status, { refetch }] = createResource(() => props.api.hookStatus());
  const [density, setDensity] = createSignal<Record<string, HookDensity>>({});
  const [busy, setBusy] = createSignal<AgentCli | null>(null);
  const run = async (cli: AgentCli, fn: () => Promise<void>, done: string) => {
    setBusy(cli);
    try {
      await fn();
      props.onToast(done);
      await refetch();
    } catch (e) {
      props.onToast(`Failed: ${errText(e)}`);
    } finally {
      setBusy(null);
    }
  };
  return (
    <section class="panel" aria-labelledby="hooks-title">
      <h2 id="hooks-title">Hooks</h2>
      <p class="muted">
        Hooks make each agent CLI report its events to Flightdeck. Density: <b>high</b> sends every event,{' '}
        <b>medium</b> the ones that change status, <b>low</b> only start, prompt, stop and end.
      </p>
      <Show when={status.error}>
        <p class="error" role="alert">
          Could not read hook status: {errText(status.error)}
        </p>
      </Show>
      <table class="table">
        <thead>
          <tr>
            <th>CLI</th>
            <th>Status</th>
            <th>Density</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          <For each={AGENT_CLIS}>
            {(cli) => {
              const st = () => status()?.find((s) => s.cli === cli);
              const chosen = () => density()[cli] ?? st()?.density ?? 'medium';
              return (
                <>
                  <tr data-cli={cli}>
                    <td>
                      <strong>{cli}</strong>
                      <Show when={st()?.file}>
                        <div class="muted small">
                          <code>{st()?.file}</code>
                        </div>
                      </Show>
                    </td>
                    <td>
                      <span
                        class="chip"
                        classList={{ 'chip--ok': st()?.installed === true && st()?.deliversHere !== false }}
                        title={
                          st()?.deliversTo.length ? `delivers to ${st()!.deliversTo.join(', ')}` : undefined
                        }
                      >
                        {st()
                          ? st()!.installed
                            ? st()!.deliversHere === false
                              ? `installed, but delivers to another data dir (${st()!.deliversTo.join(', ')})`
                              : `installed (${st()!.events.length} events)`
                            : 'not installed'
                          : '…'}
                      </span>
                    </td>
                    <td>
                      <select
                        aria-label={`Hook density for ${cli}`}
                        value={chosen()}
                        onChange={(e) =>
                          setDensity({ ...density(), [cli]: e.currentTarget.value as HookDensity })
                        }
                      >
                        <option value="high">high</option>
                        <option value="medium">medium</option>
                        <option value="low">low</option>
                      </select>
                    </td>
                    <td>
                      <div class="actions">
                        <button
                          type="button"
                          class="btn btn--primary btn--small"
                          disabled={busy() !== null}
                          onClick={() =>
                            run(
                              cli,
                              () => props.api.installHooks(cli, chosen()),
                              `Hooks installed for ${cli} (${chosen()})`,
                            )
                          }
                        >
                          {st()?.installed ? 'Reinstall' : 'Install'}
                        </button>
                        <Show when={st()?.installed}>
                          <button
                            type="button"
                            class="btn btn--small"
                            disabled={busy() !== null}
                            onClick={() =>
                              run(cli, () => props.api.uninstallHooks(cli), `Hooks removed for ${cli}`)
                            }
                          >
                            Uninstall
                          </button>
                        </Show>
                      </div>
                    </td>
                  </tr>
                  {/* What Flightdeck can do with this CLI's hooks: a row of its own (a fifth column left no room on a phone). */}
                  <tr class="hooks__capabilities">
                    <td colspan="4" class="small" data-testid={`hooks-capabilities-${cli}`}>
                      <strong>What Flightdeck can do:</strong> {capabilitySummary(cli)}
                      <div class="muted">{capabilitiesOf(cli).approvals.how}</div>
                    </td>
                  </tr>
                </>
              );
            }}
          </For>
        </tbody>
      </table>
      <TelemetryToggle api={props.api} onToast={props.onToast} />
    </section>
  );
}

function PasswordPanel(props: {
  api: Api;
  onToast: (m: string) => void;
  onAuthChange: () => void;
}): JSX.Element {
  const [auth, { refetch }] = createResource(() => props.api.authStatus());
  const [pw, setPw] = createSignal('');
  const [pw2, setPw2] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  return (
    <section class="panel" aria-labelledby="pw-title">
      <h2 id="pw-title">Password</h2>
      <p class="muted">
        {auth()?.passwordRequired
          ? 'A password protects this dashboard and its API.'
          : 'No password is set: anyone who can reach this port can use the dashboard (it binds to 127.0.0.1 by default).'}
      </p>
      <form
        class="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          if (pw() !== pw2()) return setError('The passwords differ.');
          try {
            await props.api.setPassword(pw());
            setPw('');
            setPw2('');
            props.onToast('Password set');
            await refetch();
            props.onAuthChange();
          } catch (err) {
            setError(errText(err));
          }
        }}
      >
        <input
          type="password"
          autocomplete="new-password"
          aria-label="New password"
          placeholder="New password"
          value={pw()}
          onInput={(e) => setPw(e.currentTarget.value)}
        />
        <input
          type="password"
          autocomplete="new-password"
          aria-label="Repeat password"
          placeholder="Repeat"
          value={pw2()}
          onInput={(e) => setPw2(e.currentTarget.value)}
        />
        <button type="submit" class="btn btn--primary" disabled={!pw()}>
          {auth()?.passwordRequired ? 'Change password' : 'Set password'}
        </button>
        <Show when={auth()?.passwordRequired}>
          <button
            type="button"
            class="btn btn--danger-ghost"
            onClick={async () => {
              try {
                await props.api.clearPassword();
                props.onToast('Password cleared');
                await refetch();
                props.onAuthChange();
              } catch (err) {
                setError(errText(err));
              }
            }}
          >
            Clear password
          </button>
          <button
            type="button"
            class="btn"
            onClick={async () => {
              await props.api.logout().catch(() => undefined);
              props.onAuthChange();
            }}
          >
            Log out
          </button>
        </Show>
      </form>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
    </section>
  );
}

function PushSetting(props: { api: Api }): JSX.Element {
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<string | null>(null);
  return (
    <div class="form-row push-setting">
      <button
        type="button"
        class="btn"
        disabled={busy()}
        onClick={async () => {
          setBusy(true);
          try {
            setResult(await enablePush(props.api));
          } catch (err) {
            setResult(`Could not enable push: ${errText(err)}`);
          } finally {
            setBusy(false);
          }
        }}
      >
        Enable push on this device
      </button>
      <span class="muted" role="status">
        {result() ??
          (pushSupported()
            ? 'Approvals reach this device (with Allow / Deny) even when the dashboard is closed.'
            : 'Push needs HTTPS or localhost and a browser with service workers.')}
      </span>
    </div>
  );
}

function PrefsPanel(props: { api: Api }): JSX.Element {
  const notifState = () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  const [perm, setPerm] = createSignal(notifState());
  return (
    <section class="panel" aria-labelledby="prefs-title">
      <h2 id="prefs-title">Alerts and appearance</h2>
      <p class="muted">Stored in this browser only.</p>
      <label class="check">
        <input
          type="checkbox"
          checked={prefs().sound}
          onChange={(e) => {
            setPrefs({ sound: e.currentTarget.checked });
            if (e.currentTarget.checked) chime(true);
          }}
        />
        Play a sound when an agent needs me (an approval opens)
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={prefs().notifications}
          disabled={perm() === 'unsupported' || perm() === 'denied'}
          onChange={async (e) => {
            const on = e.currentTarget.checked;
            if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') {
              setPerm(await Notification.requestPermission());
            }
            setPrefs({ notifications: on && notifState() === 'granted' });
          }}
        />
        Browser notifications when an agent needs me (what it asks, and which session)
        <Show when={perm() === 'denied'}>
          <span class="muted"> (blocked in the browser settings)</span>
        </Show>
      </label>
      <PushSetting api={props.api} />
      <label class="check">
        <input
          type="checkbox"
          checked={prefs().notifyOnDone}
          onChange={(e) => setPrefs({ notifyOnDone: e.currentTarget.checked })}
        />
        Also alert when an agent finishes its turn
      </label>
      <label class="form-row">
        Theme
        <select
          aria-label="Theme"
          value={prefs().theme}
          onChange={(e) => {
            const theme = e.currentTarget.value as 'system' | 'light' | 'dark';
            setPrefs({ theme });
            applyTheme(theme);
          }}
        >
          <option value="system">Follow the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
    </section>
  );
}

function StatsPanel(props: { api: Api }): JSX.Element {
  const [stats, setStats] = createSignal<SystemStats | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [hookSeries, setHookSeries] = createSignal<number[]>([]);
  const [ingestSeries, setIngestSeries] = createSignal<number[]>([]);
  const push = (series: number[], v: number | null) =>
    v === null ? series : [...series, v].slice(-SPARK_POINTS);
  let lastHooks = -1;
  let lastBatches = -1;
  const poll = async () => {
    try {
      const s = await props.api.systemStats();
      setStats(s);
      setError(null);
      // One sparkline point per poll in which something arrived (the server keeps summaries, not series).
      if (s.hooks.received !== lastHooks) {
        lastHooks = s.hooks.received;
        setHookSeries(push(hookSeries(), s.hooks.latency.p50 ?? s.hooks.processing.p50));
      }
      if (s.ingest.batches !== lastBatches) {
        lastBatches = s.ingest.batches;
        setIngestSeries(push(ingestSeries(), s.ingest.lastCommitMs));
      }
    } catch (e) {
      setError(errText(e));
    }
  };
  void poll();
  const timer = setInterval(poll, 2000);
  onCleanup(() => clearInterval(timer));
  const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
  return (
    <section class="panel" aria-labelledby="stats-title">
      <h2 id="stats-title">Hook and ingest stats</h2>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={stats()}>
        {(s) => (
          <div class="stats-pair">
            <div class="stat-card">
              <h3>Hooks</h3>
              <p>
                {formatNumber(s().hooks.received)} received · {formatNumber(s().hooks.perMinute)} in the last
                minute
              </p>
              <p class="muted">
                delivery p50 {ms(s().hooks.latency.p50)} · p95 {ms(s().hooks.latency.p95)} · processing p50{' '}
                {ms(s().hooks.processing.p50)}
              </p>
              <Sparkline values={hookSeries()} label="Hook latency (p50) over time" />
              <ul class="per-event">
                <For
                  each={Object.entries(s().hooks.perEvent)
                    .sort((a, b) => b[1] - a[1])
                    .slice(0, 10)}
                >
                  {([name, n]) => (
                    <li>
                      <code>{name}</code> {formatNumber(n)}
                    </li>
                  )}
                </For>
              </ul>
            </div>
            <div class="stat-card">
              <h3>Ingest</h3>
              <p>
                {formatNumber(s().ingest.events)} events in {formatNumber(s().ingest.batches)} batches ·{' '}
                {formatNumber(s().ingest.duplicates)} duplicates · {formatNumber(s().ingest.queued)} queued
              </p>
              <p class="muted">last commit {ms(s().ingest.lastCommitMs)}</p>
              <Sparkline values={ingestSeries()} label="Ingest commit time over time" />
            </div>
          </div>
        )}
      </Show>
    </section>
  );
}

export function SettingsView(props: {
  api: Api;
  onToast: (m: string) => void;
  onAuthChange: () => void;
  /** Shows a Flightdeck terminal (an SSH host's tmux pane, attached from here). */
  onOpenTerminal?: (terminalId: string) => void;
}): JSX.Element {
  const [retention] = createResource(() => props.api.storage().catch(() => null));
  return (
    <section class="settings" aria-label="Settings">
      <h1 class="page-title">Settings</h1>
      <HooksPanel api={props.api} onToast={props.onToast} />
      <PrefsPanel api={props.api} />
      <AlertRulesPanel api={props.api} onToast={props.onToast} />
      <SshHostsPanel api={props.api} onToast={props.onToast} onOpenTerminal={props.onOpenTerminal} />
      <Show
        when={
          props.api.hostsList && props.api.hostsCreateToken && props.api.hostsRevokeToken ? props.api : null
        }
      >
        {(api) => (
          <HostsPanel api={api() as Parameters<typeof HostsPanel>[0]['api']} onToast={props.onToast} />
        )}
      </Show>
      <PasswordPanel api={props.api} onToast={props.onToast} onAuthChange={props.onAuthChange} />
      <StatsPanel api={props.api} />
      <StoragePanel api={props.api} />
      <Show when={props.api.importStart && props.api.importStatus ? props.api : null}>
        {(api) => (
          <ImportPanel
            api={api() as Parameters<typeof ImportPanel>[0]['api']}
            retentionHours={retention()?.settings.sessionRetentionHours ?? null}
          />
        )}
      </Show>
    </section>
  );
}
