import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { idField, textField } from '@crm/shared-kernel';
import { emitSegmentCreated } from '../segment.events';
import { SegmentRepository } from '../segment.repository';
import type { CreateSegmentInput, Segment } from '../segment.types';

const schema = z.object({
  name: textField(200),
  contactId: idField('contact id'),
});

@Injectable()
export class CreateSegment {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly replica: ContactReplica,
  ) {}

  async execute(ctx: RequestContext, input: CreateSegmentInput): Promise<Segment> {
    const v = parseInput(schema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      // The merge survivor, if the contact was merged; BAD_USER_INPUT naming the field if unknown or erased.
      const contact = await this.replica.requireActive(tx, v.contactId, 'input.contactId');
      const created = await this.segments.insert(tx, { id: randomUUID(), name: v.name, contactId: contact.contactId, createdBy: ctx.userId });
      await emitSegmentCreated(tx, created);
      return created;
    });
  }
}
