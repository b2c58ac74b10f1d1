/**
 * The prices Flightdeck counts API usage at, USD per million tokens, per model. Overridable in the config file
 * (`pricing`: model id → prices, merged over this table). A model that is not here has no price: its tokens are
 * shown and its cost is "price unknown" (null), never a guess.
 *
 * Checked on 2026-12-07 against Anthropic's pricing page, "Model pricing" table (base input, 5-minute and 1-hour
 * cache writes, cache hits, output): https://platform.claude.com/docs/en/about-claude/pricing
 * Models listed there under product names only (no API id known to us) are left out. Long-context, batch, data
 * residency and fast-mode multipliers are not applied.
 */
export const PRICING_CHECKED_ON = '2026-12-07';
export const PRICING_SOURCE = 'https://platform.claude.com/docs/en/about-claude/pricing';

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export type PricingTable = Record<string, ModelPrice>;

const price = (
  input: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
  output: number,
): ModelPrice => ({ input, output, cacheRead, cacheWrite5m, cacheWrite1h });

const OPUS_45 = price(5, 6.25, 10, 0.5, 25);
const OPUS_4 = price(15, 18.75, 30, 1.5, 75);
const SONNET_4 = price(3, 3.75, 6, 0.3, 15);

/** The shipped table (columns in the page's order: input, 5m write, 1h write, cache hit, output). */
export const DEFAULT_PRICING: Readonly<PricingTable> = Object.freeze({
  'claude-opus-5': OPUS_45,
  'claude-opus-4-8': OPUS_45,
  'claude-opus-4-7': OPUS_45,
  'claude-opus-4-6': OPUS_45,
  'claude-opus-4-5': OPUS_45,
  'claude-opus-4-1': OPUS_4,
  'claude-opus-4': OPUS_4,
  'claude-sonnet-4-6': SONNET_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4': SONNET_4,
  'claude-3-7-sonnet': SONNET_4,
  'claude-haiku-4-5': price(1, 1.25, 2, 0.1, 5),
  'claude-3-5-haiku': price(0.8, 1, 1.6, 0.08, 4),
  'claude-3-opus': OPUS_4,
  'claude-3-haiku': price(0.25, 0.3, 0.5, 0.03, 1.25),
});

/** A dated snapshot id (`claude-sonnet-4-5-20250929`) is priced as its model (`claude-sonnet-4-5`). */
const DATED = /^(.+)-\d{8}$/;

/** The price of `model`: its own row, else the row of the model its dated id names; null when none. */
export function priceOf(model: string, table: Readonly<PricingTable>): ModelPrice | null {
  if (Object.hasOwn(table, model)) return table[model] ?? null;
  const m = DATED.exec(model);
  if (m?.[1] && Object.hasOwn(table, m[1])) return table[m[1]] ?? null;
  return null;
}

/** The shipped table with `overrides` over it (a model in both: the override's prices). */
export function pricingWith(overrides: Readonly<PricingTable> | undefined): Readonly<PricingTable> {
  return overrides && Object.keys(overrides).length > 0
    ? { ...DEFAULT_PRICING, ...overrides }
    : DEFAULT_PRICING;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

/** USD of `t` at `p`. */
export function costOf(t: TokenCounts, p: ModelPrice): number {
  const micro =
    t.inputTokens * p.input +
    t.outputTokens * p.output +
    t.cacheReadTokens * p.cacheRead +
    t.cacheWrite5mTokens * p.cacheWrite5m +
    t.cacheWrite1hTokens * p.cacheWrite1h;
  return micro / 1e6;
}

const PRICE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const;

/** A pricing override as the config gives it, checked: the table, or what is wrong with it. */
export function parsePricing(
  value: unknown,
): { ok: true; value: PricingTable } | { ok: false; error: string } {
  if (value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'pricing: expected an object of model id → prices' };
  const out: PricingTable = {};
  const entries = Object.entries(value);
  if (entries.length > 500) return { ok: false, error: 'pricing: at most 500 models' };
  for (const [model, p] of entries) {
    if (model.length === 0 || model.length > 200)
      return { ok: false, error: 'pricing: a model id is empty or too long' };
    if (typeof p !== 'object' || p === null) return { ok: false, error: `pricing.${model}: expected prices` };
    const row = p as Record<string, unknown>;
    for (const k of PRICE_KEYS) {
      const v = row[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 10_000)
        return { ok: false, error: `pricing.${model}.${k}: expected USD per million tokens (0 to 10000)` };
    }
    out[model] = {
      input: row.input as number,
      output: row.output as number,
      cacheRead: row.cacheRead as number,
      cacheWrite5m: row.cacheWrite5m as number,
      cacheWrite1h: row.cacheWrite1h as number,
    };
  }
  return { ok: true, value: out };
}
