import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { SshHostsPanel } from '../src/components/SshHosts.js';
import type { SshHostInfo, SshHostKey } from '../src/data/ssh.js';
import { testApi } from './api.js';

afterEach(cleanup);

const FP_SHOWN = `SHA256:${'a'.repeat(43)}`;
const FP_OLD = `SHA256:${'b'.repeat(43)}`;

function setup(scanned: SshHostKey['state'] = 'unknown') {
  const calls: Array<[string, ...unknown[]]> = [];
  const toasts: string[] = [];
  const hosts: SshHostInfo[] = [
    {
      name: 'box',
      host: 'box.example',
      port: 2222,
      user: 'dev',
      auth: 'key',
      identityFile: '~/.ssh/id_ed25519',
      // The list was loaded earlier; trust must use what is scanned when the dialog opens.
      hostKey: { host: 'box', type: 'ssh-ed25519', fingerprint: FP_OLD, state: 'unknown' },
      error: null,
    },
  ];
  const api = testApi({
    sshHosts: async () => hosts,
    sshKeys: async () => [
      { file: 'id_ed25519', path: '~/.ssh/id_ed25519', type: 'ED25519', bits: 256, fingerprint: FP_OLD },
    ],
    sshHostKey: async (host) => {
      calls.push(['hostKey', host]);
      return { host, type: 'ssh-ed25519', fingerprint: FP_SHOWN, state: scanned };
    },
    sshTrust: async (host, fingerprint) => {
      calls.push(['trust', host, fingerprint]);
      return { host, type: 'ssh-ed25519', fingerprint, state: 'trusted' };
    },
    sshAddHost: async (h) => {
      calls.push(['add', h]);
    },
    sshRemoveHost: async (h) => {
      calls.push(['remove', h]);
    },
  });
  render(() => <SshHostsPanel api={api} onToast={(m) => toasts.push(m)} />);
  return { calls, toasts };
}

describe('Settings → SSH hosts', () => {
  it('lists hosts with their key state and trusts only after showing the fingerprint it sends', async () => {
    const { calls } = setup();
    const row = await screen.findByText('dev@box.example:2222');
    expect(row.closest('tr')?.textContent).toContain('not trusted yet');
    fireEvent.click(screen.getByRole('button', { name: 'Check and trust…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('ssh-fingerprint').textContent).toBe(`ssh-ed25519 ${FP_SHOWN}`);
    expect(calls).toEqual([['hostKey', 'box']]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Trust this key' }));
    await waitFor(() => expect(calls).toContainEqual(['trust', 'box', FP_SHOWN]));
  });

  it('cancelling trusts nothing; a changed key is shown as such', async () => {
    const { calls } = setup('changed');
    await screen.findByText('dev@box.example:2222');
    fireEvent.click(screen.getByRole('button', { name: 'Check and trust…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('alert').textContent).toMatch(/CHANGED/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.filter((c) => c[0] === 'trust')).toEqual([]);
  });

  it('adds a host with the form and removes one after confirming', async () => {
    const { calls } = setup();
    await screen.findByText('dev@box.example:2222');
    const form = screen.getByRole('form', { name: 'New SSH host' });
    fireEvent.input(within(form).getByLabelText('Name'), { target: { value: 'lab' } });
    fireEvent.input(within(form).getByLabelText('Host'), { target: { value: '10.0.0.5' } });
    fireEvent.input(within(form).getByLabelText('Port'), { target: { value: '2200' } });
    fireEvent.input(within(form).getByLabelText('User'), { target: { value: 'ops' } });
    fireEvent.input(within(form).getByLabelText('Identity file'), { target: { value: '~/.ssh/id_ed25519' } });
    fireEvent.submit(form);
    await waitFor(() =>
      expect(calls).toContainEqual([
        'add',
        {
          name: 'lab',
          host: '10.0.0.5',
          port: 2200,
          user: 'ops',
          auth: 'key',
          identityFile: '~/.ssh/id_ed25519',
        },
      ]),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(calls).toContainEqual(['remove', 'box']));
  });
});

describe('Settings → SSH hosts → tmux panes', () => {
  const trusted: SshHostInfo = {
    name: 'box',
    host: 'box.example',
    port: 22,
    user: 'dev',
    auth: 'agent',
    hostKey: { host: 'box', type: 'ssh-ed25519', fingerprint: FP_SHOWN, state: 'trusted' },
    error: null,
  };

  it('lists the panes of a trusted host and attaches to one over SSH, then shows that terminal', async () => {
    const created: unknown[] = [];
    const opened: string[] = [];
    const api = testApi({
      sshHosts: async () => [trusted],
      sshKeys: async () => [],
      sshTmuxSessions: async (host) => [
        { session: 'other', window: 0, pane: 0, paneId: '%9', command: `not ${host}`, target: 'other:0.0' },
        { session: 'work', window: 0, pane: 1, paneId: '%3', command: 'claude', target: 'work:0.1' },
      ],
      createTerminal: async (input) => {
        created.push(input);
        return { id: 't-remote' } as Awaited<ReturnType<typeof api.createTerminal>>;
      },
    });
    render(() => <SshHostsPanel api={api} onToast={() => {}} onOpenTerminal={(id) => opened.push(id)} />);
    await screen.findByText('dev@box.example:22');
    // A trusted host has nothing to trust: it offers its tmux panes instead.
    expect(screen.queryByRole('button', { name: 'Check and trust…' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'tmux panes' }));
    const list = await screen.findByRole('list', { name: 'tmux panes on box' });
    expect(list.textContent).toContain('work:0.1');
    expect(list.textContent).toContain('not box');
    fireEvent.click(within(list).getAllByRole('button', { name: 'Attach' })[1] as HTMLElement);
    await waitFor(() => expect(opened).toEqual(['t-remote']));
    expect(created).toEqual([{ kind: 'ssh', host: 'box', tmuxTarget: 'work:0.1', cols: 100, rows: 30 }]);
  });

  it('says so when no tmux session runs on the host', async () => {
    const api = testApi({
      sshHosts: async () => [trusted],
      sshKeys: async () => [],
      sshTmuxSessions: async () => [],
    });
    render(() => <SshHostsPanel api={api} onToast={() => {}} onOpenTerminal={() => {}} />);
    await screen.findByText('dev@box.example:22');
    fireEvent.click(screen.getByRole('button', { name: 'tmux panes' }));
    expect(await screen.findByText('No tmux session runs on box.')).toBeTruthy();
  });
});
