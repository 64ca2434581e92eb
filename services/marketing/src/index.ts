export { marketingService } from './service';
export { SegmentMembership } from './segments/segment-membership';
export { ChannelAdapters, type Channel, type ChannelAdapter, type DeliveryReceipt, type OutboundMessage } from './delivery/channel.port';
export { signToken, verifyToken, bodySignature, type TrackingClaim } from './tracking/tracking-token';
export { CampaignJobs } from './campaigns/campaign-jobs';
