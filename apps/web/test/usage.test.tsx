import type { OtelUsage, SessionUsage, UsageTotals } from '@flightdeck/shared-types';
import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionCard } from '../src/components/SessionCard.js';
import { sourcesDisagree, UsageBlock } from '../src/components/UsageBlock.js';
import type { UsageReport } from '../src/data/types.js';
import { setNow } from '../src/lib/clock.js';
import { formatTokens, formatUsd } from '../src/lib/format.js';
import { UsageSection } from '../src/views/AnalyticsUsage.js';
import { testApi } from './api.js';
import { makeLive } from './factory.js';

afterEach(cleanup);

function totals(input: number, output: number, costUsd: number | null): UsageTotals {
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens: 100_000,
    cacheWriteTokens: 5000,
    cacheWrite5mTokens: 4000,
    cacheWrite1hTokens: 1000,
    costUsd,
  };
}

function usage(costUsd: number | null): SessionUsage {
  return {
    ...totals(12_000, 3000, costUsd),
    cacheReadTokens: 100_000,
    messages: 9,
    byModel: {
      'claude-sonnet-4-5': totals(10_000, 2000, costUsd === null ? 0.3 : costUsd - 0.02),
      'claude-next': totals(2000, 1000, costUsd === null ? null : 0.02),
    },
    byAgent: { a427100067de70b46: totals(2000, 1000, 0.02) },
  };
}

describe('tokens and cost in the web', () => {
  it('formats compactly', () => {
    expect([950, 1234, 12_345, 120_400, 4_500_000].map(formatTokens)).toEqual([
      '950',
      '1.2k',
      '12k',
      '120k',
      '4.5M',
    ]);
    expect([formatUsd(0.4212), formatUsd(0.004), formatUsd(0), formatUsd(null)]).toEqual([
      '$0.42',
      '<$0.01',
      '$0.00',
      'price unknown',
    ]);
  });

  it('the card shows cost and tokens, "price unknown" without a price, nothing before any usage', () => {
    setNow(1_700_000_000_000);
    render(() => (
      <>
        <SessionCard session={makeLive({ sessionId: 'a', usage: usage(0.42) })} />
        <SessionCard session={makeLive({ sessionId: 'b', usage: usage(null) })} />
        <SessionCard session={makeLive({ sessionId: 'c' })} />
      </>
    ));
    const lines = screen.getAllByTestId('card-usage').map((e) => e.textContent);
    expect(lines).toEqual(['$0.42 · 120k tok', 'price unknown · 120k tok']);
  });

  it('the detail block lists each model and subagent, a model without a price as "price unknown"', () => {
    render(() => <UsageBlock usage={usage(null)} />);
    const block = screen.getByTestId('usage-block');
    expect(screen.getByTestId('usage-cost').textContent).toBe('price unknown');
    const rows = [...block.querySelectorAll('tbody tr')].map((r) => r.textContent);
    expect(rows[0]).toContain('claude-sonnet-4-5');
    expect(rows[0]).toContain('$0.30');
    expect(rows[1]).toContain('claude-next');
    expect(rows[1]).toContain('price unknown');
    expect(screen.getByTestId('usage-agents').textContent).toContain('agent a4271000');
  });

  it('Analytics asks for the range and grouping chosen and lists the groups', async () => {
    const asked: Array<{ from: number; to: number; groupBy: string }> = [];
    const report = (groupBy: UsageReport['groupBy']): UsageReport => ({
      groupBy,
      from: 0,
      to: 1,
      groups: [
        {
          key: 'k1',
          label: groupBy === 'model' ? 'claude-sonnet-4-5' : '2027-01-05',
          messages: 3,
          byModel: {},
          ...totals(1000, 100, 1.5),
        },
        { key: 'k2', label: 'claude-next', messages: 1, byModel: {}, ...totals(10, 10, null) },
      ],
      total: { ...totals(1010, 110, null), messages: 4 },
      unpricedModels: ['claude-next'],
      pricing: {
        checkedOn: '2026-12-07',
        source: 'https://platform.claude.com/docs/en/about-claude/pricing',
      },
    });
    const api = testApi({
      usage: async (q) => {
        asked.push(q);
        return report(q.groupBy);
      },
    });
    const now = 1_800_000_000_000;
    render(() => <UsageSection api={api} now={() => now} />);
    await waitFor(() => expect(screen.getByTestId('usage-groups')).toBeTruthy());
    expect(asked[0]).toMatchObject({
      groupBy: 'day',
      to: now + 60_000,
      from: now + 60_000 - 30 * 86_400_000,
    });
    expect(screen.getByTestId('usage-total').textContent).toContain('price unknown for claude-next');
    fireEvent.click(screen.getByRole('tab', { name: 'By model' }));
    await waitFor(() => expect(asked.at(-1)?.groupBy).toBe('model'));
    fireEvent.change(screen.getByLabelText('Time range'), { target: { value: '7' } });
    await waitFor(() =>
      expect(asked.at(-1)).toMatchObject({ groupBy: 'model', from: now + 60_000 - 7 * 86_400_000 }),
    );
    const rows = [...screen.getByTestId('usage-groups').querySelectorAll('tbody tr')].map(
      (r) => r.textContent,
    );
    expect(rows[0]).toContain('$1.50');
    expect(rows[1]).toContain('price unknown');
  });
});

describe('tokens and cost: OpenTelemetry beside the transcript', () => {
  const otel = (costUsd: number | null, inputTokens = 12_000): OtelUsage => ({
    inputTokens,
    outputTokens: 3000,
    cacheReadTokens: 100_000,
    cacheWriteTokens: 5000,
    costUsd,
    requests: 9,
  });

  it('shows both sources when they disagree, and which is used', () => {
    render(() => <UsageBlock usage={{ ...usage(0.42), otel: otel(0.0123), source: 'transcript' }} />);
    expect(screen.getByTestId('usage-otel').textContent).toBe(
      'OpenTelemetry: $0.0123 · 120k tokens · 9 API requests · used: transcript (transcript: $0.4200)',
    );
    expect(screen.getByTestId('usage-cost').textContent).toBe('$0.42');
  });

  it('says nothing more when they agree', () => {
    render(() => <UsageBlock usage={{ ...usage(0.42), otel: otel(0.42), source: 'transcript' }} />);
    expect(screen.queryByTestId('usage-otel')).toBeNull();
    expect(sourcesDisagree(usage(0.42), otel(0.42, 12_001))).toBe(true);
    expect(sourcesDisagree(usage(null), otel(0.42))).toBe(true);
    expect(sourcesDisagree(usage(0.42), otel(0.42004))).toBe(false);
  });

  it('without transcript usage, the totals come from OpenTelemetry, on the card too', () => {
    const o = otel(0.0123);
    const fromOtel: SessionUsage = {
      ...totals(o.inputTokens, o.outputTokens, o.costUsd),
      messages: 0,
      byModel: {},
      byAgent: {},
      otel: o,
      source: 'otel',
    };
    render(() => (
      <>
        <UsageBlock usage={fromOtel} />
        <SessionCard session={makeLive({ sessionId: 'o', usage: fromOtel })} />
      </>
    ));
    expect(screen.getByTestId('usage-cost').textContent).toBe('$0.01');
    expect(screen.getByTestId('usage-block').textContent).toContain('(from OpenTelemetry)');
    expect(screen.getByTestId('usage-otel').textContent).toContain(
      'used: OpenTelemetry (no usage in the transcript)',
    );
    expect(screen.getByTestId('card-usage').textContent).toBe('$0.01 · 120k tok');
  });
});
