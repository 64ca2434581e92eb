import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { InteractionRepository, toInteraction } from '../interaction.repository';
import { emitInteractionLogged } from '../interaction.events';
import type { Interaction, LogInteractionInput } from '../timeline.types';

const logInteractionSchema = z.object({
  contactId: z
    .string()
    .uuid('is not a contact id')
    .transform((id) => id.toLowerCase()),
  kind: z.enum(['call', 'email', 'meeting', 'note']),
  summary: z.string().refine((s) => s.trim().length > 0 && s.length <= 500, 'must be 1-500 characters'),
  body: z.string().max(20000, 'must be at most 20000 characters').nullish(),
  occurredAt: z.date().nullish(),
});

/** Logs a call, email, meeting or note on the contact (the survivor, if it was merged); emits interaction.logged. */
@Injectable()
export class LogInteraction {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly interactions: InteractionRepository,
  ) {}

  async execute(ctx: RequestContext, input: LogInteractionInput): Promise<Interaction> {
    const v = parseInput(logInteractionSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const target = await this.interactions.lockTarget(tx, v.contactId);
      if (!target) throw invalidField('input.contactId', `contact ${v.contactId} does not exist`);
      if (target.erased_at) throw invalidField('input.contactId', `contact ${v.contactId} was erased`);
      const contactId = target.merged_into ?? target.id;
      const occurredAt = v.occurredAt ?? new Date();
      const row = await this.interactions.insert(tx, { id: randomUUID(), contactId, kind: v.kind, summary: v.summary, body: v.body ?? null, occurredAt, actorId: ctx.userId });
      await emitInteractionLogged(tx, { interactionId: row.id, contactId, kind: v.kind, summary: v.summary, occurredAt: occurredAt.toISOString(), actorId: ctx.userId });
      return toInteraction(row);
    });
  }
}
