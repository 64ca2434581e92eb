import { MODULE_PORTS } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';
import { MarketingSchema1796153645498 } from '../migrations/1796153645498-MarketingSchema';
import { MarketingAttribution1796160000005 } from '../migrations/1796160000005-MarketingAttribution';
import { MarketingModule } from './app.module';
import { MarketingSchemaScope } from './schema-scope';

/** The marketing module: Segments and audience portraits, campaigns routed to each contact&#39;s preferred and consented channel, tracking, A/B tests, lead capture and scoring, keyword ROI. */
export const marketingService: ServiceDefinition = {
  name: 'marketing',
  defaultPort: MODULE_PORTS['marketing'],
  modules: [MarketingModule],
  entities: [],
  migrations: [MarketingSchema1796153645498, MarketingAttribution1796160000005],
  schemaScope: MarketingSchemaScope,
};
