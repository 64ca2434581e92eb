/**
 * The attribution arithmetic, free of SQL and GraphQL: which touches a conversion credits under each
 * model, how an amount is split without losing a cent, and the payback date. Amounts are BigInt minor
 * units throughout (see @crm/shared-kernel Money); only lead and customer credits are fractions.
 */

export type AttributionModelName = 'first_touch' | 'last_touch' | 'linear';

export const DAY_MS = 86_400_000;

export interface TouchPoint {
  at: Date;
}

/**
 * The touches a conversion at `at` credits: those at or before it and no older than the window,
 * oldest first (the caller's order is trusted). First-touch and last-touch credit one; linear all.
 */
export function creditedTouches<T extends TouchPoint>(touches: readonly T[], at: Date, windowDays: number, model: AttributionModelName): T[] {
  const since = at.getTime() - windowDays * DAY_MS;
  const eligible = touches.filter((t) => t.at.getTime() <= at.getTime() && t.at.getTime() >= since);
  if (!eligible.length) return [];
  if (model === 'first_touch') return [eligible[0]];
  if (model === 'last_touch') return [eligible[eligible.length - 1]];
  return eligible;
}

/**
 * `amount` split into `n` shares that add up to it exactly: each gets amount / n, and the remainder's
 * minor units go one each to the first shares (the earliest touches) — 100.00 over 3 is 33.34, 33.33, 33.33.
 */
export function splitMinor(amount: bigint, n: number): bigint[] {
  if (n <= 0) return [];
  const count = BigInt(n);
  const base = amount / count;
  const remainder = Number(amount - base * count);
  return Array.from({ length: n }, (_, i) => base + (i < remainder ? 1n : 0n));
}

/**
 * The first day on which the cumulative credited revenue reaches the cumulative cost (both counted
 * from the report's first day), or null if it never does or nothing was spent. Days are YYYY-MM-DD.
 */
export function paybackDate(costByDay: ReadonlyMap<string, bigint>, revenueByDay: ReadonlyMap<string, bigint>): string | null {
  const days = [...new Set([...costByDay.keys(), ...revenueByDay.keys()])].sort();
  let cost = 0n;
  let revenue = 0n;
  for (const day of days) {
    cost += costByDay.get(day) ?? 0n;
    revenue += revenueByDay.get(day) ?? 0n;
    if (cost > 0n && revenue >= cost) return day;
  }
  return null;
}

/** Lead and customer credits are shown to 4 decimals (a linear third is 0.3333). */
export const roundCredit = (x: number): number => Math.round(x * 10_000) / 10_000;
