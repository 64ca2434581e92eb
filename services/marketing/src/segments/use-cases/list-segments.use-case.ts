import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type RequestContext } from '@crm/platform';
import { optionalIdField } from '@crm/shared-kernel';
import { SegmentRepository } from '../segment.repository';
import type { Segment, SegmentFilter } from '../segment.types';

const schema = z.object({ contactId: optionalIdField('contact id') });

@Injectable()
export class ListSegments {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly segments: SegmentRepository,
  ) {}

  /** Segments newest first, filtered; counted only when totalCount is asked for. */
  execute(ctx: RequestContext, filter: SegmentFilter, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Segment>> {
    const f = parseInput(schema, filter, 'filter');
    return this.uow.run(ctx.tenantId, (tx) => this.segments.list(tx, f, page, withTotal));
  }
}
