import pino from 'pino';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '@crm/gateway';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '@crm/auth';
import { contactsService } from '@crm/contacts';
import { salesService } from '@crm/sales';
import { startService, type RunningService, type ServiceDefinition } from '@crm/platform';
import { MODULE_MANIFESTS } from '@crm/events';
import { adminQuery, eventually, freshSchema, serviceTestEnv, TEST_INTERNAL_SECRET, TEST_JWT_SECRET, uniqueId } from '@crm/testing';

/**
 * Every installed module's service definition, from the manifests: a module made with
 * `crm new-module` is covered by the suites that use this without editing them.
 */
export function installedServices(): ServiceDefinition[] {
  /* eslint-disable @typescript-eslint/no-require-imports -- a module is tested if its package is installed, like `crm start` */
  return MODULE_MANIFESTS.map((m) => require(`@crm/${m.name}`)[m.service] as ServiceDefinition);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The real gateway in front of the given running services (static composition of exactly them). */
export function gatewayFor(services: RunningService[], overrides: Partial<StartGatewayOptions> = {}): Promise<RunningGateway> {
  return startGateway({
    port: 0,
    host: '127.0.0.1',
    subgraphs: services.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl() })),
    auth: { jwtSecret: TEST_JWT_SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE },
    internalSecret: TEST_INTERNAL_SECRET,
    production: false,
    graphiql: false,
    limits: { maxDepth: 8, maxAliases: 10, maxCost: 10000 },
    supergraphMode: 'static',
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
    ...overrides,
  });
}

/** contacts and sales (fresh schemas, one topic prefix, real Postgres and Kafka) behind the real gateway. */
export interface ContactsSalesStack {
  contacts: RunningService;
  sales: RunningService;
  gw: RunningGateway;
  /** Waits until the sales replica has the contact (it arrives over Kafka). */
  salesReplicaHas(tenantId: string, contactId: string, where?: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startContactsAndSales(prefix: string): Promise<ContactsSalesStack> {
  const topicPrefix = `${uniqueId(prefix)}.`;
  const cs = await freshSchema(`${prefix}c`);
  const ss = await freshSchema(`${prefix}s`);
  const contacts = await startService(contactsService, { env: serviceTestEnv(cs.schema, topicPrefix) });
  const sales = await startService(salesService, { env: serviceTestEnv(ss.schema, topicPrefix) });
  const gw = await gatewayFor([contacts, sales]);
  return {
    contacts,
    sales,
    gw,
    salesReplicaHas: (tenantId, contactId, where = 'true') =>
      eventually(
        async () => (await adminQuery(`SELECT 1 FROM "${sales.info.schema}".contact_replica WHERE tenant_id = $1 AND contact_id = $2 AND ${where}`, [tenantId, contactId])).length > 0,
        30000,
        `contact ${contactId} in sales`,
      ),
    async stop() {
      await gw.stop();
      await sales.stop();
      await contacts.stop();
      await cs.drop();
      await ss.drop();
    },
  };
}
