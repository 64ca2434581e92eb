import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { idField } from '@crm/shared-kernel';
import { emitSegmentUpdated } from '../segment.events';
import { lockSegment } from '../segment-guards';
import { SegmentMembership } from '../segment-membership';
import { SegmentRepository, type SegmentRecord } from '../segment.repository';

const schema = z.array(idField('contact id')).min(1, 'must not be empty').max(10_000, 'at most 10000 contacts per call');

/** Adds contacts to, or removes them from, a static list. */
@Injectable()
export class ChangeListMembers {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
    private readonly replica: ContactReplica,
  ) {}

  /** Every contact must be known and active (merged ids become their survivor); any other → BAD_USER_INPUT naming `contactIds.<i>`, nothing added. */
  add(ctx: RequestContext, id: string, contactIds: string[]): Promise<SegmentRecord> {
    const ids = parseInput(schema, contactIds, 'contactIds');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const list = await lockSegment(tx, this.segments, id, 'static');
      const resolved = await this.resolveActive(tx, ids);
      const added = await this.membership.addToList(tx, list, resolved, 'list');
      if (added.length) await this.emit(tx, list, ctx);
      return list;
    });
  }

  /** Ids not in the list are ignored (removing is idempotent). */
  remove(ctx: RequestContext, id: string, contactIds: string[]): Promise<SegmentRecord> {
    const ids = parseInput(schema, contactIds, 'contactIds');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const list = await lockSegment(tx, this.segments, id, 'static');
      const removed = await this.membership.removeFromList(tx, list, ids, 'list');
      if (removed.length) await this.emit(tx, list, ctx);
      return list;
    });
  }

  private async resolveActive(tx: Tx, ids: string[]): Promise<string[]> {
    const found = await this.replica.getMany(tx, tx.tenantId, ids);
    const fields = found.flatMap((c, i) =>
      !c ? [{ field: `contactIds.${i}`, message: `contact ${ids[i]} does not exist (not created, or not yet known to marketing)` }]
      : c.erasedAt ? [{ field: `contactIds.${i}`, message: `contact ${ids[i]} was erased` }]
      : c.archivedAt ? [{ field: `contactIds.${i}`, message: `contact ${ids[i]} is archived` }]
      : [],
    );
    if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
    return found.map((c) => c!.contactId);
  }

  private async emit(tx: Tx, list: SegmentRecord, ctx: RequestContext) {
    const size = (await this.segments.sizes(tx, [list.id])).get(list.id) ?? 0;
    await emitSegmentUpdated(tx, list, ['members'], size, ctx.userId);
  }
}
