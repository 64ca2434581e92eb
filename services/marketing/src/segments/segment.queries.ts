import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork, type ConnectionValue, type KeysetArgs } from '@crm/platform';
import { SegmentRepository } from './segment.repository';
import type { Segment } from './segment.types';

/** Batched reads of segments (DataLoaders, federation), each batch in one unit of work. */
@Injectable()
export class SegmentQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
  ) {}

  /** Segments by id, in the order asked; a malformed or unknown id is null (it never fails the batch). */
  async byIds(tenantId: string, ids: readonly string[]): Promise<(Segment | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.segments.byIds(tx, valid)) : [];
    const byId = new Map(found.map((i) => [i.id, i]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  byContacts(tenantId: string, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Segment>[]> {
    return this.uow.run(tenantId, (tx) => this.segments.pageByContacts(tx, contactIds, args, withTotal));
  }
}
