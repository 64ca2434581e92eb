import { Module } from '@nestjs/common';
import { SegmentQueries } from './segment.queries';
import { SegmentRepository } from './segment.repository';
import { SegmentsResolver } from './segments.resolver';
import { CreateSegment } from './use-cases/create-segment.use-case';
import { ListSegments } from './use-cases/list-segments.use-case';

/** Segments: use cases, reads and GraphQL. Exports the repository and the batched reads (Contact.marketingSegments, the contact lifecycle). */
@Module({
  providers: [SegmentRepository, SegmentQueries, ListSegments, CreateSegment, SegmentsResolver],
  exports: [SegmentRepository, SegmentQueries],
})
export class SegmentsModule {}
