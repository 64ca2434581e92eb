import { forbidden, hasPermission, type RequestContext } from '@crm/platform';
import { SalesPermission } from '../permissions';

/** Whose deals a report covers: anyone's with sales.team.read, else the caller's own only. */
export function reportOwner(ctx: RequestContext, ownerId?: string): string | null {
  if (hasPermission(ctx, SalesPermission['team.read'])) return ownerId ?? null;
  if (ownerId && ownerId !== ctx.userId) throw forbidden('ownerId: you may only see your own forecast (needs the permission sales.team.read)');
  return ctx.userId;
}
