import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostsPanel } from '../src/components/HostsPanel.js';
import type { HostInfo } from '../src/data/hosts.js';

afterEach(cleanup);

const TOKEN = `fdh_${'ab'.repeat(32)}`;
const HOST: HostInfo = {
  name: '',
  createdAt: 1,
  lastSeenAt: null,
  revoked: false,
  revokedAt: null,
  connection: 'never',
  offline: true,
  agentCount: 0,
  metrics: null,
  samples: [],
};

function fakeApi() {
  const hosts: HostInfo[] = [
    { ...HOST, name: 'build-box', agentCount: 2 },
    { ...HOST, name: 'ci-1', lastSeenAt: 5, connection: 'offline' },
    { ...HOST, name: 'ci-2', lastSeenAt: 6, connection: 'online', offline: false },
  ];
  const calls: string[] = [];
  return {
    calls,
    hosts,
    api: {
      hostsList: async () => hosts.map((h) => ({ ...h })),
      hostsCreateToken: async (name: string) => {
        calls.push(`create ${name}`);
        hosts.push({ ...HOST, name, createdAt: 2 });
        return { name, token: TOKEN };
      },
      hostsRevokeToken: async (name: string) => {
        calls.push(`revoke ${name}`);
        const h = hosts.find((x) => x.name === name);
        if (h) h.revoked = true;
      },
    },
  };
}

describe('Settings: hosts', () => {
  it('adds a host and shows its token once with a copy button', async () => {
    const f = fakeApi();
    const toasts: string[] = [];
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(() => <HostsPanel api={f.api} onToast={(m) => toasts.push(m)} />);
    const table = await screen.findByRole('table', { name: 'Hosts' });
    expect(within(table).getByText('build-box')).toBeTruthy();
    expect(within(table).getByText('never')).toBeTruthy();
    expect(within(table).getByText('not heard from yet')).toBeTruthy();
    expect(within(table).getByText('offline')).toBeTruthy();
    expect(within(table).getByText('online')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add host' })).toHaveProperty('disabled', true);
    fireEvent.input(screen.getByLabelText('Host name'), { target: { value: ' laptop ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add host' }));
    const shown = await screen.findByTestId('host-token');
    expect(f.calls).toEqual(['create laptop']);
    expect(shown.textContent).toContain(TOKEN);
    expect(shown.textContent).toContain('shown once');
    fireEvent.click(within(shown).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(toasts).toContain('Token copied.'));
    expect(writeText).toHaveBeenCalledWith(TOKEN);
    await waitFor(() => expect(within(table).getByText('laptop')).toBeTruthy());
    fireEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('host-token')).toBeNull();
    expect(document.body.textContent).not.toContain(TOKEN);
  });

  it('revokes only after the confirmation', async () => {
    const f = fakeApi();
    render(() => <HostsPanel api={f.api} onToast={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke build-box' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(f.calls).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke build-box' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(f.calls).toEqual(['revoke build-box']));
    await waitFor(() => expect(screen.getByText('revoked')).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Revoke build-box' })).toBeNull();
  });
});
