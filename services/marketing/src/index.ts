export { marketingService } from './service';
export { ChannelAdapters, type Channel, type ChannelAdapter, type DeliveryReceipt, type OutboundMessage } from './delivery/channel.port';
export { signToken, verifyToken, bodySignature, type TrackingClaim } from './tracking/tracking-token';
