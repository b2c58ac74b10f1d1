/**
 * Settings → Hosts (issue 19): machines that send their agents' events through `flightdeck forward`, each with its
 * own token. "Add" makes a token and shows it once (with a copy button); the list shows when each host was last
 * heard from and how many agents it runs; "Revoke" (after a confirmation) stops that host at once.
 */
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { HOST_STATE_WORDS, type HostInfo, type HostsApi, hostStateOf } from '../data/hosts.js';
import { errText, formatDateTime } from '../lib/format.js';
import { ConfirmDialog } from './Dialog.js';

export function HostsPanel(props: { api: HostsApi; onToast: (m: string) => void }): JSX.Element {
  const [hosts, { refetch }] = createResource(() => props.api.hostsList());
  const [name, setName] = createSignal('');
  const [created, setCreated] = createSignal<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = createSignal<string | null>(null);

  const add = async (e: Event) => {
    e.preventDefault();
    try {
      setCreated(await props.api.hostsCreateToken(name().trim()));
      setName('');
      await refetch();
    } catch (err) {
      props.onToast(`Failed: ${errText(err)}`);
    }
  };
  const copy = () => {
    const token = created()?.token;
    if (!token) return;
    const clip = navigator.clipboard;
    if (!clip) return props.onToast('Copy is not available here: select the token and copy it.');
    clip.writeText(token).then(
      () => props.onToast('Token copied.'),
      () => props.onToast('Copy was refused: select the token and copy it.'),
    );
  };
  const revoke = async (host: string) => {
    setRevoking(null);
    try {
      await props.api.hostsRevokeToken(host);
      props.onToast(`Token of ${host} revoked.`);
      await refetch();
    } catch (err) {
      props.onToast(`Failed: ${errText(err)}`);
    }
  };

  return (
    <section class="panel" aria-labelledby="hosts-title">
      <h2 id="hosts-title">Hosts</h2>
      <p class="muted">
        Other machines send their agents' events with <code>flightdeck forward --to URL --token TOKEN</code>.
        Each host has its own token: it posts that host's events only, and a revoked token is refused at once.
      </p>
      <form class="row" onSubmit={add}>
        <label>
          Host name{' '}
          <input
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            placeholder="build-box"
            aria-label="Host name"
          />
        </label>
        <button type="submit" class="btn" disabled={name().trim() === ''}>
          Add host
        </button>
      </form>
      <Show when={created()}>
        {(c) => (
          <div class="notice" role="status" data-testid="host-token">
            <p>
              Token of <b>{c().name}</b>, shown once (it is stored hashed):
            </p>
            <code class="token">{c().token}</code>{' '}
            <button type="button" class="btn btn--small" onClick={copy}>
              Copy
            </button>{' '}
            <button type="button" class="btn btn--small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        )}
      </Show>
      <Show when={hosts.error}>
        <p class="error" role="alert">
          Could not list hosts: {errText(hosts.error)}
        </p>
      </Show>
      <Show when={(hosts() ?? []).length > 0} fallback={<p class="muted">No host has a token yet.</p>}>
        <table class="table" aria-label="Hosts">
          <thead>
            <tr>
              <th>Host</th>
              <th>Last seen</th>
              <th>Agents</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For each={hosts()}>
              {(h) => (
                <tr>
                  <td>{h.name}</td>
                  <td>{h.lastSeenAt === null ? 'never' : formatDateTime(h.lastSeenAt)}</td>
                  <td>{h.agentCount}</td>
                  <td>{HOST_STATE_WORDS[hostStateOf(h)]}</td>
                  <td>
                    <Show when={!h.revoked}>
                      <button
                        type="button"
                        class="btn btn--small btn--danger"
                        onClick={() => setRevoking(h.name)}
                        aria-label={`Revoke ${h.name}`}
                      >
                        Revoke
                      </button>
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <ConfirmDialog
        open={revoking() !== null}
        title="Revoke host token"
        message={
          <>
            Revoke the token of <b>{revoking()}</b>? Its forwarder is refused at once and keeps its events
            until it gets a new token.
          </>
        }
        confirmLabel="Revoke"
        danger
        onConfirm={() => {
          const host = revoking();
          if (host) void revoke(host);
        }}
        onCancel={() => setRevoking(null)}
      />
    </section>
  );
}
