/**
 * Settings → SSH hosts (issue 16): the configured hosts with their host-key state, add and remove, and trust: the
 * host's key is scanned and its fingerprint shown first; only that fingerprint is sent to be trusted (the server
 * refuses it if the host now offers another key). No silent trust on first use. A trusted host lists its tmux panes;
 * "Attach" opens a Flightdeck terminal on that pane over SSH (a view of the same pane, not a new shell).
 */
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import type { SshHostInfo, SshHostKey, SshTmuxPane } from '../data/ssh.js';
import { INITIAL_SIZE } from '../data/terminals.js';
import type { Api } from '../data/types.js';
import { errText } from '../lib/format.js';
import { ConfirmDialog } from './Dialog.js';

const STATE_WORDS: Record<SshHostKey['state'], string> = {
  trusted: 'trusted',
  unknown: 'not trusted yet',
  changed: 'KEY CHANGED',
};

function KeyState(props: { host: SshHostInfo }): JSX.Element {
  return (
    <Show when={props.host.hostKey} fallback={<span class="muted">unreachable: {props.host.error}</span>}>
      {(k) => (
        <span class={`ssh-key ssh-key--${k().state}`}>
          <b>{STATE_WORDS[k().state]}</b>{' '}
          <code>
            {k().type} {k().fingerprint}
          </code>
        </span>
      )}
    </Show>
  );
}

/** The tmux panes of one host, each with "Attach" (when the page can show a terminal). */
function TmuxPanes(props: {
  host: string;
  panes: SshTmuxPane[];
  onAttach?: (pane: SshTmuxPane) => void;
}): JSX.Element {
  return (
    <Show when={props.panes.length > 0} fallback={<p class="muted">No tmux session runs on {props.host}.</p>}>
      <ul class="ssh-tmux" aria-label={`tmux panes on ${props.host}`}>
        <For each={props.panes}>
          {(p) => (
            <li>
              <code>{p.target}</code> <span class="muted">{p.command}</span>{' '}
              <Show when={props.onAttach}>
                {(attach) => (
                  <button type="button" class="btn btn--small" onClick={() => attach()(p)}>
                    Attach
                  </button>
                )}
              </Show>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

export function SshHostsPanel(props: {
  api: Api;
  onToast: (m: string) => void;
  onOpenTerminal?: (terminalId: string) => void;
}): JSX.Element {
  const [hosts, { refetch }] = createResource(() => props.api.sshHosts());
  const [keys] = createResource(() => props.api.sshKeys().catch(() => []));
  const [checking, setChecking] = createSignal<SshHostKey | null>(null);
  const [removing, setRemoving] = createSignal<string | null>(null);
  const [name, setName] = createSignal('');
  const [host, setHost] = createSignal('');
  const [port, setPort] = createSignal(22);
  const [user, setUser] = createSignal('');
  const [auth, setAuth] = createSignal<'agent' | 'key'>('key');
  const [identityFile, setIdentityFile] = createSignal('');
  const [panes, setPanes] = createSignal<{ host: string; panes: SshTmuxPane[] } | null>(null);

  const run = async (fn: () => Promise<unknown>, done: string) => {
    try {
      await fn();
      props.onToast(done);
      await refetch();
    } catch (e) {
      props.onToast(`Failed: ${errText(e)}`);
    }
  };
  // The key is scanned again right before the dialog: what the dialog shows is what trust sends.
  const check = (name: string) =>
    props.api.sshHostKey(name).then(setChecking, (e) => props.onToast(`Failed: ${errText(e)}`));

  const listPanes = (host: string) =>
    props.api.sshTmuxSessions(host).then(
      (list) => setPanes({ host, panes: list }),
      (e) => props.onToast(`Failed: ${errText(e)}`),
    );
  const attach = (host: string, pane: SshTmuxPane) =>
    props.api.createTerminal({ kind: 'ssh', host, tmuxTarget: pane.target, ...INITIAL_SIZE }).then(
      (t) => props.onOpenTerminal?.(t.id),
      (e) => props.onToast(`Failed: ${errText(e)}`),
    );

  return (
    <section class="panel" aria-labelledby="ssh-title">
      <h2 id="ssh-title">SSH hosts</h2>
      <p class="muted">
        Hosts for terminals and agent launches over SSH. A host is used only once you trust its host key after
        checking its fingerprint. API keys given to a launch travel in the SSH environment (SendEnv): the
        host's sshd must accept them (AcceptEnv).
      </p>
      <Show when={hosts.error}>
        <p class="error" role="alert">
          Could not list SSH hosts: {errText(hosts.error)}
        </p>
      </Show>
      <Show when={(hosts() ?? []).length > 0} fallback={<p class="muted">No SSH host configured.</p>}>
        <table class="table" aria-label="SSH hosts">
          <thead>
            <tr>
              <th>Name</th>
              <th>Address</th>
              <th>Auth</th>
              <th>Host key</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            <For each={hosts()}>
              {(h) => (
                <tr data-host={h.name}>
                  <td>{h.name}</td>
                  <td>
                    {h.user}@{h.host}:{h.port}
                  </td>
                  <td>{h.auth === 'key' ? `key ${h.identityFile ?? ''}` : 'ssh-agent'}</td>
                  <td>
                    <KeyState host={h} />
                  </td>
                  <td>
                    <Show
                      when={h.hostKey?.state !== 'trusted'}
                      fallback={
                        <button type="button" class="btn btn--small" onClick={() => void listPanes(h.name)}>
                          tmux panes
                        </button>
                      }
                    >
                      <button type="button" class="btn btn--small" onClick={() => void check(h.name)}>
                        Check and trust…
                      </button>
                    </Show>
                    <button
                      type="button"
                      class="btn btn--small btn--danger-ghost"
                      onClick={() => setRemoving(h.name)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={panes()}>
        {(p) => (
          <TmuxPanes
            host={p().host}
            panes={p().panes}
            {...(props.onOpenTerminal
              ? { onAttach: (pane: SshTmuxPane) => void attach(p().host, pane) }
              : {})}
          />
        )}
      </Show>
      <form
        class="rule-form"
        aria-label="New SSH host"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await props.api.sshAddHost({
              name: name().trim(),
              host: host().trim(),
              port: port(),
              user: user().trim(),
              auth: auth(),
              ...(auth() === 'key' ? { identityFile: identityFile().trim() } : {}),
            });
            setName('');
            setHost('');
          }, 'SSH host added: check and trust its key before using it');
        }}
      >
        <h3>Add a host</h3>
        <div class="form-row">
          <input
            aria-label="Name"
            placeholder="Name"
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <input
            aria-label="Host"
            placeholder="host.example.com"
            value={host()}
            onInput={(e) => setHost(e.currentTarget.value)}
          />
          <input
            aria-label="Port"
            type="number"
            min="1"
            max="65535"
            value={port()}
            onInput={(e) => setPort(Math.round(Number(e.currentTarget.value) || 22))}
          />
          <input
            aria-label="User"
            placeholder="user"
            value={user()}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
        </div>
        <div class="form-row">
          <select
            aria-label="Authentication"
            value={auth()}
            onChange={(e) => setAuth(e.currentTarget.value as 'agent' | 'key')}
          >
            <option value="key">Key file</option>
            <option value="agent">ssh-agent</option>
          </select>
          <Show when={auth() === 'key'}>
            <input
              aria-label="Identity file"
              placeholder="~/.ssh/id_ed25519"
              list="ssh-key-files"
              value={identityFile()}
              onInput={(e) => setIdentityFile(e.currentTarget.value)}
            />
            <datalist id="ssh-key-files">
              <For each={keys() ?? []}>
                {(k) => (
                  <option value={k.path}>
                    {k.type ?? '?'} {k.fingerprint ?? ''}
                  </option>
                )}
              </For>
            </datalist>
          </Show>
        </div>
        <button
          type="submit"
          class="btn btn--primary"
          disabled={!name().trim() || !host().trim() || !user().trim()}
        >
          Add host
        </button>
      </form>
      <ConfirmDialog
        open={checking() !== null}
        title={`Trust the host key of ${checking()?.host ?? ''}?`}
        message={
          <div>
            <Show when={checking()?.state === 'changed'}>
              <p class="error" role="alert">
                This host's key CHANGED since it was trusted. It may be an attack: check with the host's
                owner.
              </p>
            </Show>
            <p>
              Compare this fingerprint with the host's own (<code>ssh-keygen -lf</code> of its host key)
              before trusting it:
            </p>
            <p>
              <code data-testid="ssh-fingerprint">
                {checking()?.type} {checking()?.fingerprint}
              </code>
            </p>
          </div>
        }
        confirmLabel="Trust this key"
        danger={checking()?.state === 'changed'}
        onCancel={() => setChecking(null)}
        onConfirm={() => {
          const k = checking();
          setChecking(null);
          if (k) void run(() => props.api.sshTrust(k.host, k.fingerprint), `Trusted ${k.host}`);
        }}
      />
      <ConfirmDialog
        open={removing() !== null}
        title={`Remove ${removing() ?? ''}?`}
        message={<p>Terminals already open on it keep running.</p>}
        confirmLabel="Remove"
        danger
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          const n = removing();
          setRemoving(null);
          if (n) void run(() => props.api.sshRemoveHost(n), `Removed ${n}`);
        }}
      />
    </section>
  );
}
