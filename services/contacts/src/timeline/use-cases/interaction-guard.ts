import { conflict, forbidden, hasPermission, invalidField, isUuid, notFound, type RequestContext, type Tx } from '@crm/platform';
import { ContactsPermission } from '../../permissions';
import type { InteractionRepository, InteractionRow } from '../interaction.repository';

/**
 * The entry a user may correct, locked: logged here (entries appended from other modules' events
 * belong to those modules), not deleted, and logged by this user — or the user may edit anyone's
 * (interaction.edit-any: managers, admins).
 */
export async function lockCorrectable(tx: Tx, interactions: InteractionRepository, ctx: RequestContext, id: string): Promise<InteractionRow> {
  if (!isUuid(id)) throw invalidField('id', `"${id.slice(0, 60)}" is not an interaction id`);
  const row = await interactions.lock(tx, id);
  if (!row || row.deleted_at) throw notFound(`interaction ${id} does not exist`, { interactionId: id });
  if (row.source_module !== 'contacts') throw conflict(`interaction ${id} was recorded by the ${row.source_module} module from its events; correct it there`, { interactionId: id });
  if (row.actor_id !== ctx.userId && !hasPermission(ctx, ContactsPermission['interaction.edit-any'])) {
    throw forbidden(`interaction ${id} was logged by another user; only its author or a manager may change it`);
  }
  return row;
}
