import { Module } from '@nestjs/common';
import { FactsRepository } from '../behaviour/facts.repository';
import { SegmentMembership } from './segment-membership';
import { SegmentQueries } from './segment.queries';
import { SegmentRepository } from './segment.repository';
import { SegmentSweeps } from './segment-sweeps';
import { segmentsConfigProvider } from './segments.config';
import { SegmentsResolver } from './segments.resolver';
import { CreateSegment } from './use-cases/create-segment.use-case';
import { ImportListCsv } from './use-cases/import-list-csv.use-case';
import { ChangeListMembers } from './use-cases/list-members.use-case';
import { DeleteSegment, UpdateSegment } from './use-cases/update-segment.use-case';

/**
 * Segments and static lists: use cases, incremental membership, the periodic sweep, reads and
 * GraphQL. Exports the membership (the behaviour consumer and the contact lifecycle re-evaluate
 * contacts through it) and the batched reads (Contact.segments).
 */
@Module({
  providers: [
    segmentsConfigProvider,
    SegmentRepository,
    FactsRepository,
    { provide: SegmentMembership, useFactory: (s: SegmentRepository, f: FactsRepository) => new SegmentMembership(s, f), inject: [SegmentRepository, FactsRepository] },
    SegmentQueries,
    SegmentSweeps,
    CreateSegment,
    UpdateSegment,
    DeleteSegment,
    ChangeListMembers,
    ImportListCsv,
    SegmentsResolver,
  ],
  exports: [SegmentRepository, FactsRepository, SegmentMembership, SegmentQueries, SegmentSweeps],
})
export class SegmentsModule {}
