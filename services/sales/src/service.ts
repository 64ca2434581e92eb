import type { ServiceDefinition } from '@crm/platform';
import { SalesSchema1764000002000 } from '../migrations/1764000002000-SalesSchema';
import { ReminderQueueRls1770000000000 } from '../migrations/1770000000000-ReminderQueueRls';
import { SalesModule } from './app.module';
import { SalesSchemaScope } from './schema-scope';
import { salesConfigSchema } from './config';

/** The sales module: pipelines, deals, products, quotes, orders, commissions, forecasting, tasks. */
export const salesService: ServiceDefinition = {
  name: 'sales',
  defaultPort: 4002,
  modules: [SalesModule],
  entities: [],
  migrations: [SalesSchema1764000002000, ReminderQueueRls1770000000000],
  schemaScope: SalesSchemaScope,
  configSchema: salesConfigSchema,
};
