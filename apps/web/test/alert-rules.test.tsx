import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertRulesPanel, conditionWords } from '../src/components/AlertRules.js';
import type { AlertDelivery, AlertRuleDraft, AlertRuleView } from '../src/data/types.js';
import { testApi } from './api.js';

afterEach(cleanup);

const T0 = 1_700_000_000_000;

function rules(): AlertRuleView[] {
  return [
    {
      id: 'builtin-approval-opened',
      name: 'Approval opened',
      enabled: true,
      condition: { type: 'approval-opened' },
      channels: ['push', 'browser'],
      webhook: null,
      createdAt: T0,
      updatedAt: T0,
    },
    {
      id: 'r-slow',
      name: 'Slow approval',
      enabled: true,
      condition: { type: 'approval-waiting', minutes: 5 },
      channels: ['webhook'],
      webhook: { url: 'https://hooks.example/fd', hasSecret: true },
      createdAt: T0,
      updatedAt: T0,
    },
  ];
}

function setup(opts: { createError?: string } = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const deliveries: AlertDelivery[] = [
    {
      id: 1,
      ruleId: 'r-slow',
      sessionId: null,
      dedupeKey: 'r-slow:s1:1',
      responseExcerpt: null,
      channel: 'webhook',
      target: 'https://hooks.example/fd',
      attempt: 2,
      status: 'ok',
      httpStatus: 200,
      error: null,
      at: T0,
    },
  ];
  const api = testApi({
    alertRules: async () => rules(),
    alertDeliveries: async () => deliveries,
    updateAlertRule: async (id: string, rule: AlertRuleDraft) => {
      calls.push(['update', id, rule]);
    },
    createAlertRule: async (rule: AlertRuleDraft) => {
      calls.push(['create', rule]);
      if (opts.createError) throw new Error(opts.createError);
    },
    deleteAlertRule: async (id: string) => {
      calls.push(['delete', id]);
    },
    testAlertRule: async (id: string) => {
      calls.push(['test', id]);
    },
  });
  const toasts: string[] = [];
  render(() => <AlertRulesPanel api={api} onToast={(t) => toasts.push(t)} />);
  return { calls, toasts };
}

describe('alert rules in Settings', () => {
  it('lists the rules in words with their channels, and the delivery log', async () => {
    setup();
    const slow = await screen.findByText('Slow approval');
    const row = slow.closest('tr') as HTMLElement;
    expect(row.textContent).toContain('An approval waits longer than 5 min');
    expect(row.textContent).toContain('Webhook');
    expect(row.textContent).toContain('https://hooks.example/fd');
    const builtin = screen.getByText('Approval opened').closest('tr') as HTMLElement;
    expect(builtin.textContent).toContain('An approval opens');
    expect(builtin.textContent).toContain('Web Push (phone), Browser notification');
    const log = await screen.findByTestId('alert-deliveries');
    expect(log.textContent).toContain('webhook · ok (200)');
    expect(log.textContent).toContain('attempt 2');
  });

  it('turns a rule off keeping its webhook secret, tests and deletes it', async () => {
    const { calls, toasts } = setup();
    const row = (await screen.findByText('Slow approval')).closest('tr') as HTMLElement;
    fireEvent.click(within(row).getByLabelText('Rule Slow approval on'));
    fireEvent.click(within(row).getByRole('button', { name: 'Test' }));
    fireEvent.click(within(row).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls).toEqual([
      [
        'update',
        'r-slow',
        {
          name: 'Slow approval',
          enabled: false,
          condition: { type: 'approval-waiting', minutes: 5 },
          channels: ['webhook'],
          webhook: { url: 'https://hooks.example/fd' },
        },
      ],
      ['test', 'r-slow'],
      ['delete', 'r-slow'],
    ]);
    await waitFor(() => expect(toasts).toContain('Rule “Slow approval” deleted'));
  });

  it('adds a rule (a timed condition, a signed webhook) and shows the server’s refusal', async () => {
    const { calls } = setup({ createError: 'webhook.secret: must be at least 16 characters' });
    await screen.findByText('Slow approval');
    fireEvent.input(screen.getByLabelText('Rule name'), { target: { value: 'Idle too long' } });
    fireEvent.change(screen.getByLabelText('When'), { target: { value: 'idle' } });
    fireEvent.input(screen.getByLabelText('Minutes'), { target: { value: '15' } });
    fireEvent.click(screen.getByLabelText('Webhook'));
    fireEvent.input(screen.getByLabelText('Webhook URL'), {
      target: { value: 'https://hooks.example/idle ' },
    });
    fireEvent.input(screen.getByLabelText(/Webhook secret/), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'webhook.secret: must be at least 16 characters',
    );
    expect(calls).toEqual([
      [
        'create',
        {
          name: 'Idle too long',
          enabled: true,
          condition: { type: 'idle', minutes: 15 },
          channels: ['browser', 'push', 'webhook'],
          webhook: { url: 'https://hooks.example/idle', secret: 'short' },
        },
      ],
    ]);
  });

  it('adds rules on host conditions: a metric at a level, a host silent for some minutes', async () => {
    const { calls } = setup();
    await screen.findByText('Slow approval');
    fireEvent.input(screen.getByLabelText('Rule name'), { target: { value: 'Memory tight' } });
    fireEvent.change(screen.getByLabelText('When'), { target: { value: 'host-metric' } });
    expect(screen.queryByLabelText('Minutes')).toBeNull();
    fireEvent.change(screen.getByLabelText('Metric'), { target: { value: 'memory' } });
    // The levels say their threshold for the metric chosen.
    expect([...(screen.getByLabelText('Level') as HTMLSelectElement).options].map((o) => o.text)).toEqual([
      'warning (≥ 70 %)',
      'danger (≥ 85 %)',
    ]);
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'warn' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    await waitFor(() => expect(calls.length).toBe(1));
    fireEvent.input(screen.getByLabelText('Rule name'), { target: { value: 'Box gone' } });
    fireEvent.change(screen.getByLabelText('When'), { target: { value: 'host-offline' } });
    fireEvent.input(screen.getByLabelText('Minutes'), { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    await waitFor(() => expect(calls.length).toBe(2));
    expect(calls.map((c) => (c[1] as AlertRuleDraft).condition)).toEqual([
      { type: 'host-metric', metric: 'memory', level: 'warn' },
      { type: 'host-offline', minutes: 10 },
    ]);
    expect(conditionWords({ type: 'host-metric', metric: 'cpu', level: 'danger' })).toBe(
      "A host's CPU reaches danger (≥ 80 %)",
    );
    expect(conditionWords({ type: 'host-offline', minutes: 10 })).toBe('A host stops reporting for 10 min');
  });

  it('says so when the server has no alert rules to give', async () => {
    render(() => (
      <AlertRulesPanel
        api={testApi({
          alertRules: async () => {
            throw new Error('alerts are not enabled on this server');
          },
          alertDeliveries: async () => [],
        })}
        onToast={() => undefined}
      />
    ));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not read the alert rules: alerts are not enabled on this server',
    );
    expect(screen.getByRole('button', { name: 'Add rule' })).toBeTruthy();
  });
});
