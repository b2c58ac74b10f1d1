/**
 * `analytics.usage`: the stored usage sums (per group and model, @flightdeck/db `getUsageSums`) priced at the
 * shipped table with the config's overrides. A group holding tokens of a model without a price has cost null
 * ("price unknown"), never a partial sum shown as the whole.
 */
import {
  costOf,
  PRICING_CHECKED_ON,
  PRICING_SOURCE,
  type PricingTable,
  priceOf,
  pricingWith,
} from '@flightdeck/core';
import type { UsageGroupBy, UsageSumRow } from '@flightdeck/db';
import type { UsageTotals } from '@flightdeck/shared-types';

export interface UsageGroup extends UsageTotals {
  key: string;
  label: string;
  messages: number;
  /** The group's tokens per model. */
  byModel: Record<string, UsageTotals>;
}

export interface UsageReport {
  groupBy: UsageGroupBy;
  from: number;
  to: number;
  /** Largest cost first (unknown costs last, by tokens); days in calendar order. */
  groups: UsageGroup[];
  total: UsageTotals & { messages: number };
  /** Models with tokens in the range and no price. */
  unpricedModels: string[];
  pricing: { checkedOn: string; source: string };
}

type Tokens = Pick<
  UsageTotals,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWrite5mTokens' | 'cacheWrite1hTokens'
>;

function zero(): UsageTotals {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    costUsd: 0,
  };
}

/** Adds `t` (priced `cost`, null: unknown) to `into`. */
function addTo(into: UsageTotals, t: Tokens, cost: number | null): void {
  into.inputTokens += t.inputTokens;
  into.outputTokens += t.outputTokens;
  into.cacheReadTokens += t.cacheReadTokens;
  into.cacheWrite5mTokens += t.cacheWrite5mTokens;
  into.cacheWrite1hTokens += t.cacheWrite1hTokens;
  into.cacheWriteTokens += t.cacheWrite5mTokens + t.cacheWrite1hTokens;
  into.costUsd = into.costUsd === null || cost === null ? null : into.costUsd + cost;
}

const tokensOf = (t: UsageTotals) =>
  t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens;

export function usageReport(
  rows: readonly UsageSumRow[],
  q: { groupBy: UsageGroupBy; from: number; to: number },
  overrides: Readonly<PricingTable> | undefined,
): UsageReport {
  const table = pricingWith(overrides);
  const groups = new Map<string, UsageGroup>();
  const total = { ...zero(), messages: 0 };
  const unpriced = new Set<string>();
  for (const r of rows) {
    const price = priceOf(r.model, table);
    if (price === null) unpriced.add(r.model);
    const cost = price === null ? null : costOf(r, price);
    let g = groups.get(r.key);
    if (!g) {
      g = { ...zero(), key: r.key, label: r.label, messages: 0, byModel: {} };
      groups.set(r.key, g);
    }
    addTo(g, r, cost);
    g.messages += r.messages;
    const m = Object.hasOwn(g.byModel, r.model) ? g.byModel[r.model]! : zero();
    addTo(m, r, cost);
    Object.defineProperty(g.byModel, r.model, {
      value: m,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    addTo(total, r, cost);
    total.messages += r.messages;
  }
  const list = [...groups.values()];
  if (q.groupBy === 'day') list.sort((a, b) => a.key.localeCompare(b.key));
  else
    list.sort(
      (a, b) =>
        (b.costUsd ?? -1) - (a.costUsd ?? -1) || tokensOf(b) - tokensOf(a) || a.key.localeCompare(b.key),
    );
  return {
    groupBy: q.groupBy,
    from: q.from,
    to: q.to,
    groups: list,
    total,
    unpricedModels: [...unpriced].sort(),
    pricing: { checkedOn: PRICING_CHECKED_ON, source: PRICING_SOURCE },
  };
}
