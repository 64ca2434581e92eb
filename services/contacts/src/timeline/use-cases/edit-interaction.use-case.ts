import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { InteractionRepository, toInteraction } from '../interaction.repository';
import { emitInteractionEdited } from '../interaction.events';
import type { EditInteractionInput, Interaction } from '../timeline.types';
import { lockCorrectable } from './interaction-guard';

const editInteractionSchema = z.object({
  kind: z.enum(['call', 'email', 'meeting', 'note']).optional(),
  summary: z.string().refine((s) => s.trim().length > 0 && s.length <= 500, 'must be 1-500 characters').optional(),
  body: z.string().max(20000, 'must be at most 20000 characters').nullish(),
  occurredAt: z.date().optional(),
});

/**
 * Corrects an entry logged by mistake. The values before the change are appended to the entry's
 * edit_history (its record of changes until the audit trail exists); emits interaction.edited.
 */
@Injectable()
export class EditInteraction {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly interactions: InteractionRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string, input: EditInteractionInput): Promise<Interaction> {
    const v = parseInput(editInteractionSchema, input, 'input');
    const changed = (['kind', 'summary', 'body', 'occurredAt'] as const).filter((k) => v[k] !== undefined);
    if (!changed.length) throw badUserInput('nothing to change: the input has no fields', { fields: [{ field: 'input', message: 'no change given' }] });
    const id = rawId.toLowerCase();
    return this.uow.run(ctx.tenantId, async (tx) => {
      await lockCorrectable(tx, this.interactions, ctx, id);
      const row = await this.interactions.edit(tx, id, { kind: v.kind, summary: v.summary, body: v.body, occurred_at: v.occurredAt }, ctx.userId);
      await emitInteractionEdited(tx, {
        interactionId: row.id, contactId: row.contact_id, kind: row.kind as 'call', summary: row.summary, occurredAt: row.occurred_at.toISOString(), editedBy: ctx.userId, changed: [...changed],
      });
      return toInteraction(row);
    });
  }
}
