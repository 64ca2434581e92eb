import { conflict, forbidden, hasPermission, invalidField, isUuid, notFound, type RequestContext, type Tx } from '@crm/platform';
import { SalesPermission } from '../permissions';
import type { DealRepository } from './deal.repository';
import { type Deal, DealStatus } from './deal.types';

/** The deal named by the operation's own id argument (a valid UUID, see dealId), locked for change; NOT_FOUND otherwise. */
export async function lockDeal(deals: DealRepository, tx: Tx, id: string): Promise<Deal> {
  const d = await deals.lock(tx, id);
  if (!d) throw notFound(`deal ${id} does not exist`);
  return d;
}

/** The operation's `id` argument as a deal id: a malformed one is BAD_USER_INPUT naming `id` (checked before the transaction). */
export function dealId(raw: string): string {
  if (!isUuid(raw)) throw invalidField('id', `"${String(raw).slice(0, 60)}" is not a deal id`);
  return raw.toLowerCase();
}

export function assertOpen(d: Deal, action: string): void {
  assertNotArchived(d, action);
  if (d.status !== DealStatus.OPEN) throw conflict(`deal ${d.id} is already ${d.status}; it cannot be ${action}`, { dealId: d.id, status: d.status });
}

/** A rep closes only deals they own; closing anyone's needs sales.deal.close-any. */
export function assertMayClose(ctx: RequestContext, d: Deal): void {
  if (d.ownerId !== ctx.userId && !hasPermission(ctx, SalesPermission['deal.close-any'])) {
    throw forbidden(`deal ${d.id} is owned by ${d.ownerId}: closing another owner's deal needs the permission sales.deal.close-any`);
  }
}

/** An archived deal is frozen until restored. */
export function assertNotArchived(d: Deal, action: string): void {
  if (d.archivedAt) throw conflict(`deal ${d.id} is archived; restore it before it can be ${action}`, { dealId: d.id });
}
