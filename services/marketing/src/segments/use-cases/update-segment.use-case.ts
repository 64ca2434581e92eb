import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { textField } from '@crm/shared-kernel';
import { emitSegmentDeleted, emitSegmentUpdated } from '../segment.events';
import { lockSegment } from '../segment-guards';
import { SegmentMembership } from '../segment-membership';
import { isNameTaken, SegmentRepository, type SegmentRecord } from '../segment.repository';
import { SegmentSweeps } from '../segment-sweeps';
import type { UpdateSegmentInput } from '../segment.types';
import { isTimeRelative, ruleSchema } from '../rules/rule';

const schema = z.object({
  name: textField(200).nullish(),
  description: z.string().trim().max(2000, 'must be at most 2000 characters').nullish(),
  rule: ruleSchema.nullish(),
});

/** Renames a segment or changes its rule (then re-evaluated set-based in the same transaction). */
@Injectable()
export class UpdateSegment {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
    private readonly sweeps: SegmentSweeps,
  ) {}

  async execute(ctx: RequestContext, id: string, input: UpdateSegmentInput): Promise<SegmentRecord> {
    const v = parseInput(schema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const before = await lockSegment(tx, this.segments, id);
      if (v.rule && before.kind === 'static') throw invalidField('input.rule', 'a static list has no rule');
      const changes: ('name' | 'description' | 'rule')[] = [];
      if (v.name != null && v.name !== before.name) changes.push('name');
      if (v.description !== undefined && (v.description || null) !== before.description) changes.push('description');
      if (v.rule && JSON.stringify(v.rule) !== JSON.stringify(before.rule)) changes.push('rule');
      if (!changes.length) return before;
      const timeRelative = v.rule ? isTimeRelative(v.rule) : undefined;
      const after = await this.segments
        .update(tx, before.id, {
          name: changes.includes('name') ? v.name! : undefined,
          description: changes.includes('description') ? v.description || null : undefined,
          rule: changes.includes('rule') ? v.rule! : undefined,
          timeRelative,
        })
        .catch((err: unknown) => {
          throw isNameTaken(err) ? conflict(`a segment named "${v.name}" already exists`, { field: 'input.name' }) : err;
        });
      if (changes.includes('rule')) {
        await this.membership.evaluateSegment(tx, after!);
        if (timeRelative) await this.sweeps.ensure(tx);
      }
      const size = (await this.segments.sizes(tx, [before.id])).get(before.id) ?? 0;
      await emitSegmentUpdated(tx, after!, changes, size, ctx.userId);
      return after!;
    });
  }
}

/** Deletes a segment with its memberships (their history stays, naming the segment). */
@Injectable()
export class DeleteSegment {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<string> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const s = await lockSegment(tx, this.segments, id);
      await this.segments.delete(tx, s.id);
      await emitSegmentDeleted(tx, s, ctx.userId);
      return s.id;
    });
  }
}
