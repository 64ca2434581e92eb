export { marketingService } from './service';
export { SegmentMembership } from './segments/segment-membership';
