import { type HostMetrics, metricPercent } from '@flightdeck/shared-types';
import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostInfo } from '../src/data/hosts.js';
import { setNow } from '../src/lib/clock.js';
import { HostsView } from '../src/views/Hosts.js';

afterEach(cleanup);

const GB = 1024 ** 3;
const T = Date.UTC(2026, 11, 7, 12);

function metrics(cpu: number, over: Partial<HostMetrics> = {}): HostMetrics {
  return {
    at: T,
    cpuPercent: cpu,
    cpuCount: 4,
    memory: { used: 6 * GB, total: 8 * GB },
    swap: { used: 0, total: 0 },
    disk: { used: 40 * GB, total: 100 * GB },
    load: [1, 0.8, 0.5],
    ...over,
  };
}

function host(name: string, over: Partial<HostInfo>): HostInfo {
  return {
    name,
    createdAt: T - 3_600_000,
    lastSeenAt: T - 2_000,
    revoked: false,
    revokedAt: null,
    offline: false,
    connection: 'online',
    agentCount: 0,
    metrics: null,
    samples: [],
    ...over,
  };
}

describe('Hosts page', () => {
  it('turns a sample into shares: CPU as is, memory/disk used of total, load per core, no swap as unknown', () => {
    const m = metrics(42);
    expect(metricPercent(m, 'cpu')).toBe(42);
    expect(metricPercent(m, 'memory')).toBe(75);
    expect(metricPercent(m, 'disk')).toBe(40);
    expect(metricPercent(m, 'load')).toBe(25);
    expect(metricPercent(m, 'swap')).toBeNull();
  });

  it('shows each host online or offline with its agents and its metrics coloured by their thresholds', async () => {
    setNow(T);
    const samples = [20, 55, 91].map((cpu, i) => ({ receivedAt: T - (3 - i) * 5000, metrics: metrics(cpu) }));
    const list = vi.fn(async () => [
      host('build-box', { agentCount: 3, samples, metrics: { ...metrics(91), receivedAt: T } }),
      host('laptop', { offline: true, connection: 'offline', lastSeenAt: T - 95_000, agentCount: 1 }),
    ]);
    const onBoard = vi.fn();
    render(() => <HostsView list={list} onBoard={onBoard} />);

    expect((await screen.findByTestId('hosts-summary')).textContent).toContain('2 hosts, 1 offline');
    const box = document.querySelector('[data-host="build-box"]') as HTMLElement;
    const laptop = document.querySelector('[data-host="laptop"]') as HTMLElement;
    expect(box.dataset.state).toBe('online');
    expect(laptop.dataset.state).toBe('offline');
    expect(laptop?.textContent).toContain('last heard 1m 35s ago · 1 agent');
    expect(box?.textContent).toContain('3 agents');
    // CPU 91 % ≥ 80: danger; memory 75 % ≥ 70: warning; disk 40 %: fine; no swap: not a warning.
    const level = (m: string) => (box.querySelector(`[data-metric="${m}"]`) as HTMLElement).dataset.level;
    expect([level('cpu'), level('memory'), level('disk'), level('load'), level('swap')]).toEqual([
      'danger',
      'warn',
      'ok',
      'ok',
      'ok',
    ]);
    expect(box.querySelector('[data-metric="cpu"]')?.textContent).toContain('91 %');
    expect(box.querySelector('[data-metric="swap"]')?.textContent).toContain('—');
    expect(laptop?.textContent).toContain('No metrics yet');

    fireEvent.click(box.querySelector('button') as HTMLElement);
    expect(onBoard).toHaveBeenCalledWith('build-box');
  });

  it('says how to add a host when there is none, and says so when the list cannot be read', async () => {
    render(() => <HostsView list={async () => []} onBoard={() => {}} />);
    expect((await screen.findByText(/No other machine yet/)).textContent).toContain('flightdeck forward');
    cleanup();
    render(() => (
      <HostsView
        list={async () => {
          throw new Error('hosts are not available on this server');
        }}
        onBoard={() => {}}
      />
    ));
    await waitFor(() => expect(screen.getByRole('alert')?.textContent).toContain('hosts are not available'));
  });
});
