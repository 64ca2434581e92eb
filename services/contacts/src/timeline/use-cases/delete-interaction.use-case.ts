import { Injectable } from '@nestjs/common';
import { UnitOfWork, type RequestContext } from '@crm/platform';
import { InteractionRepository, toInteraction } from '../interaction.repository';
import { emitInteractionDeleted } from '../interaction.events';
import type { Interaction } from '../timeline.types';
import { lockCorrectable } from './interaction-guard';

/**
 * Removes an entry logged by mistake from the timeline. The row is kept, marked deleted with who
 * and when (the record of the change until the audit trail exists); emits interaction.deleted.
 */
@Injectable()
export class DeleteInteraction {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly interactions: InteractionRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Interaction> {
    const id = rawId.toLowerCase();
    return this.uow.run(ctx.tenantId, async (tx) => {
      await lockCorrectable(tx, this.interactions, ctx, id);
      const row = await this.interactions.markDeleted(tx, id, ctx.userId);
      await emitInteractionDeleted(tx, { interactionId: row.id, contactId: row.contact_id, deletedBy: ctx.userId, deletedAt: row.deleted_at!.toISOString() });
      return toInteraction(row);
    });
  }
}
