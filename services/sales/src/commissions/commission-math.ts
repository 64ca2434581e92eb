import { badUserInput } from '@crm/platform';
import { PPM, QTY_SCALE, pow10, roundDiv } from '@crm/shared-kernel';

/**
 * Commission arithmetic in minor units (BigInt), rounded HALF UP once per commission entry.
 *
 * - Percentage without tiers: amount × rate.
 * - Percentage with tiers (graduated, like tax brackets): each tier's rate applies to the part of
 *   the owner's cumulative basis in the period that falls inside the tier. A new deal/order adds
 *   the commission of the increment: F(before + amount) − F(before), F being the exact tiered
 *   commission of a cumulative basis. The basis accumulates per rule, owner, currency and calendar
 *   month (UTC).
 * - Fixed: a fixed amount per won deal / order, or per unit sold for a product rule.
 */
export interface Tier {
  /** Cumulative basis (minor units) from which the tier's rate applies; the first tier starts at 0. */
  from: bigint;
  ratePpm: bigint;
}

export function validateTiers(tiers: Tier[], field: string): void {
  if (!tiers.length) return;
  if (tiers[0].from !== 0n) throw badUserInput(`${field}.0.from: the first tier must start at 0`, { field: `${field}.0.from` });
  for (let i = 1; i < tiers.length; i++) {
    if (tiers[i].from <= tiers[i - 1].from) throw badUserInput(`${field}.${i}.from: tiers must start at increasing amounts`, { field: `${field}.${i}.from` });
  }
}

/** Exact tiered commission of a cumulative basis, in minor units × PPM (not rounded). */
export function tieredScaled(basis: bigint, tiers: Tier[]): bigint {
  let acc = 0n;
  for (let i = 0; i < tiers.length; i++) {
    const lo = tiers[i].from;
    if (basis <= lo) break;
    const hi = i + 1 < tiers.length ? tiers[i + 1].from : undefined;
    const top = hi !== undefined && hi < basis ? hi : basis;
    acc += (top - lo) * tiers[i].ratePpm;
  }
  return acc;
}

export function percentageCommission(amount: bigint, ratePpm: bigint, tiers: Tier[] = [], before = 0n): bigint {
  if (!tiers.length) return roundDiv(amount * ratePpm, PPM);
  return roundDiv(tieredScaled(before + amount, tiers) - tieredScaled(before, tiers), PPM);
}

/** Fixed commission; `quantity` (ten-thousandths) multiplies it for per-unit product rules. */
export function fixedCommission(fixed: bigint, quantity?: bigint): bigint {
  return quantity === undefined ? fixed : roundDiv(fixed * quantity, pow10(QTY_SCALE));
}

export interface RuleLike {
  id: string;
  ownerId: string | null;
  productId: string | null;
}

/**
 * The rule that applies to a basis item: the most specific active one — owner and product, then
 * product, then owner, then the catch-all. Deals have no product, so only product-less rules match.
 */
export function pickRule<R extends RuleLike>(rules: R[], ownerId: string, productId: string | null): R | undefined {
  const score = (r: R) => (r.productId ? 2 : 0) + (r.ownerId ? 1 : 0);
  return rules
    .filter((r) => (r.ownerId === null || r.ownerId === ownerId) && (r.productId === null || r.productId === productId))
    .sort((a, b) => score(b) - score(a) || a.id.localeCompare(b.id))[0];
}
