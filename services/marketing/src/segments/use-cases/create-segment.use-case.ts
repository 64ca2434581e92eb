import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { optionalTextField, textField } from '@crm/shared-kernel';
import { emitSegmentCreated } from '../segment.events';
import { SegmentMembership } from '../segment-membership';
import { isNameTaken, SegmentRepository, type SegmentRecord } from '../segment.repository';
import { SegmentSweeps } from '../segment-sweeps';
import { SegmentKind, type CreateSegmentInput } from '../segment.types';
import { isTimeRelative, ruleSchema } from '../rules/rule';

const schema = z
  .object({
    name: textField(200),
    kind: z.enum(SegmentKind),
    description: optionalTextField(2000),
    rule: ruleSchema.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === SegmentKind.DYNAMIC && !v.rule) ctx.addIssue({ code: 'custom', path: ['rule'], message: 'a dynamic segment needs a rule' });
    if (v.kind === SegmentKind.STATIC && v.rule) ctx.addIssue({ code: 'custom', path: ['rule'], message: 'a static list has no rule (add contacts with addToList or importListCsv)' });
  });

/** Creates a list or a segment; a dynamic one is evaluated at once, set-based, in the same transaction. */
@Injectable()
export class CreateSegment {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
    private readonly sweeps: SegmentSweeps,
  ) {}

  async execute(ctx: RequestContext, input: CreateSegmentInput): Promise<SegmentRecord> {
    const v = parseInput(schema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const rule = v.rule ?? null;
      const timeRelative = rule ? isTimeRelative(rule) : false;
      const created = await this.segments
        .insert(tx, { id: randomUUID(), name: v.name, kind: v.kind, description: v.description, rule, timeRelative, createdBy: ctx.userId })
        .catch((err: unknown) => {
          throw isNameTaken(err) ? conflict(`a segment named "${v.name}" already exists`, { field: 'input.name' }) : err;
        });
      const size = created.kind === SegmentKind.DYNAMIC ? (await this.membership.evaluateSegment(tx, created)).added : 0;
      if (timeRelative) await this.sweeps.ensure(tx);
      await emitSegmentCreated(tx, created, size);
      return created;
    });
  }
}
