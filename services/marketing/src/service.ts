import { MODULE_PORTS } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';
import { z } from 'zod';
import { MarketingSchema1796153645498 } from '../migrations/1796153645498-MarketingSchema';
import { MarketingCampaigns1796160000002 } from '../migrations/1796160000002-MarketingCampaigns';
import { MarketingDelivery1796160000003 } from '../migrations/1796160000003-MarketingDelivery';
import { deliveryConfigCheck, deliveryConfigSchema } from './delivery/delivery.config';
import { MarketingCapture1796160000004 } from '../migrations/1796160000004-MarketingCapture';
import { MarketingAttribution1796160000005 } from '../migrations/1796160000005-MarketingAttribution';
import { MarketingAudit1796200000021 } from '../migrations/1796200000021-MarketingAudit';
import { MarketingTrackingHits1796400000100 } from '../migrations/1796400000100-MarketingTrackingHits';
import { MarketingScoreRescores1796400000200 } from '../migrations/1796400000200-MarketingScoreRescores';
import { captureConfigSchema } from './forms/capture.config';
import { MarketingModule } from './app.module';
import { campaignsConfigSchema } from './campaigns/campaigns.config';
import { MarketingSchemaScope } from './schema-scope';
import { segmentsConfigSchema } from './segments/segments.config';

/** The marketing module: Segments and audience portraits, campaigns routed to each contact’s preferred and consented channel, tracking, A/B tests, lead capture and scoring, keyword ROI. */
export const marketingService: ServiceDefinition = {
  name: 'marketing',
  defaultPort: MODULE_PORTS['marketing'],
  modules: [MarketingModule],
  entities: [],
  migrations: [MarketingSchema1796153645498, MarketingCampaigns1796160000002, MarketingDelivery1796160000003, MarketingCapture1796160000004, MarketingAttribution1796160000005, MarketingAudit1796200000021, MarketingTrackingHits1796400000100, MarketingScoreRescores1796400000200],
  // Each area's variables (package.json crm.config lists them all).
  configSchema: z.object({
    ...captureConfigSchema.shape,
    ...segmentsConfigSchema.shape,
    ...deliveryConfigSchema.shape,
    ...campaignsConfigSchema.shape,
  }),
  schemaScope: MarketingSchemaScope,
  configCheck: (c, ctx) => {
    deliveryConfigCheck(c, ctx);
  },
};
