import { MODULE_PORTS } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';
import { SalesSchema1764000002000 } from '../migrations/1764000002000-SalesSchema';
import { ReminderQueueRls1770000000000 } from '../migrations/1770000000000-ReminderQueueRls';
import { ReminderQueueJobState1770000001000 } from '../migrations/1770000001000-ReminderQueueJobState';
import { ReminderTrace1771000001000 } from '../migrations/1771000001000-ReminderTrace';
import { EditAndUndo1771000000000 } from '../migrations/1771000000000-EditAndUndo';
import { SalesAudit1796200000021 } from '../migrations/1796200000021-SalesAudit';
import { OrdersByDeal1796300000501 } from '../migrations/1796300000501-OrdersByDeal';
import { SalesModule } from './app.module';
import { SalesSchemaScope } from './schema-scope';
import { salesConfigSchema } from './config';

/** The sales module: pipelines, deals, products, quotes, orders, commissions, forecasting, tasks. */
export const salesService: ServiceDefinition = {
  name: 'sales',
  defaultPort: MODULE_PORTS.sales,
  modules: [SalesModule],
  entities: [],
  migrations: [SalesSchema1764000002000, ReminderQueueRls1770000000000, ReminderQueueJobState1770000001000, EditAndUndo1771000000000, ReminderTrace1771000001000, SalesAudit1796200000021, OrdersByDeal1796300000501],
  schemaScope: SalesSchemaScope,
  configSchema: salesConfigSchema,
};
