import 'reflect-metadata';
import { type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json } from 'express';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { deadLetterTopic, topicName, type ModuleName } from '@crm/events';
import type { EventBus } from './bus/event-bus';
import { InProcessEventBus } from './bus/in-process-event-bus';
import { KafkaEventBus } from './bus/kafka-event-bus';
import { baseServiceConfig, checkMetricsPort, checkProcessRole, inboxRetentionHours, checkRetentionWindows, ConfigError, envPort, loadConfig, metricsPortOf, refuseWeakSecretsInProduction, type BaseServiceConfig } from './config';
import { createDataSource, migrate } from './db/data-source';
import { PlatformInboxRetention1764000000600 } from './db/platform-inbox-retention-migration';
import { PlatformLeastPrivilege1764000000700, PlatformTables1764000000000 } from './db/platform-migration';
import { PlatformAudit1796200000020, PlatformAuditCost1796300000400 } from './db/audit';
import { AuditRetention } from './kernel/audit-retention';
import { eventRetention } from './bus/event-retention';
import { OutboxParking1764000000500 } from './db/platform-migration-outbox-parking';
import { subgraphOptions } from './graphql/graphql-options';
import { startMetricsServer, type MetricsServer } from './http/metrics-server';
import { createLogger, PinoNestLogger } from './logger';
import { ServiceMetrics } from './metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { outboxChannel } from './outbox/outbox-writer';
import { PlatformModule } from './platform.module';
import { EventPublisher } from './outbox/event-publisher';
import { CrmEventTransport } from './transport/crm-event-transport';
import { moduleMigrations } from './transport/module-migrations';
import { runsBackgroundWork, type ServiceInfo } from './service-info';
import { WakeListener } from './db/wakes';

/** Everything the platform needs to know about a service; each service exports one. */
export interface ServiceDefinition {
  name: ModuleName;
  defaultPort: number;
  /** The service's feature module(s): resolvers, use cases, consumers. */
  modules: Type<unknown>[];
  entities: Function[];
  /** Service migrations; the platform's own (outbox, inbox, app role) run first. */
  migrations: Function[];
  orphanedTypes?: Function[];
  /**
   * Marker class every GraphQL type of the service is registered in (`registerIn: ScopeClass`).
   * @nestjs/graphql keeps code-first types in one process-wide store; with several services in one
   * process (the embedded mode) each schema must take only its own service's types.
   */
  schemaScope: Function;
  /**
   * The service's own environment variables, validated with the platform's at boot (a bad value is
   * named and the process exits 1). The parsed values are part of PLATFORM_CONFIG.
   */
  configSchema?: z.ZodObject<any>;
  /**
   * Checks across the service's variables (e.g. "required in production"), run on the parsed
   * config with the platform's own; each issue names its variable. A refinement on configSchema
   * itself would be lost: only its shape is merged into the platform's schema.
   */
  configCheck?: (config: Record<string, unknown>, ctx: z.RefinementCtx) => void;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Shared bus in embedded mode (all modules in one process). */
  bus?: EventBus;
  logger?: Logger;
  /** Build the GraphQL schema only: no database, no broker, no listening. */
  schemaOnly?: boolean;
}

export interface RunningService {
  name: ModuleName;
  app: INestApplication;
  config: BaseServiceConfig & { PORT: number };
  info: ServiceInfo;
  dataSource: DataSource;
  bus: EventBus;
  relay?: OutboxRelay;
  /** The audit log's retention purge (AUDIT_RETENTION_DAYS); unset in schema-only mode. */
  auditRetention?: AuditRetention;
  url: string;
  port: number;
  /** Prometheus metrics, on their own internal listener (METRICS_HOST:METRICS_PORT); unset in schema-only mode. */
  metricsUrl?: string;
  /** The subgraph's federation SDL (what the gateway composes). */
  sdl(): string;
  stop(): Promise<void>;
}

const schemaOnlyEnv = {
  DATABASE_URL: 'postgres://schema-only/none',
  GATEWAY_INTERNAL_SECRET: 'schema-only-not-a-secret',
  RUN_MIGRATIONS: 'false',
};

/**
 * Every migration of a service: the platform's own (outbox, inbox, app role), those of the modules it
 * imports, then its own (TypeORM runs them in timestamp order).
 */
export function serviceMigrations(def: ServiceDefinition): Function[] {
  const own = [PlatformTables1764000000000, OutboxParking1764000000500, PlatformInboxRetention1764000000600, PlatformLeastPrivilege1764000000700, PlatformAudit1796200000020, PlatformAuditCost1796300000400];
  // Modules the service imports bring theirs (ModuleMigrations); listing one again by hand is harmless.
  return [...new Set([...own, ...moduleMigrations(def.modules), ...def.migrations])];
}

export function serviceConfigSchema(def: ServiceDefinition) {
  const platform = baseServiceConfig.extend({ PORT: envPort(def.defaultPort), CONSUMER_GROUP_PREFIX: z.string().optional() });
  // The service's own variables ride along; the platform itself only reads its own keys.
  return (def.configSchema ? (platform.extend(def.configSchema.shape) as unknown as typeof platform) : platform)
    .superRefine(checkRetentionWindows)
    .superRefine(checkMetricsPort)
    .superRefine(checkProcessRole)
    .superRefine((c, ctx) => def.configCheck?.(c, ctx))
    // Anyone who knows the secret can forge the gateway's signed context: no public example in production.
    .superRefine(refuseWeakSecretsInProduction('GATEWAY_INTERNAL_SECRET'), { when: () => true });
}

export async function startService(def: ServiceDefinition, opts: StartOptions = {}): Promise<RunningService> {
  const env = opts.schemaOnly ? { ...schemaOnlyEnv, ...opts.env } : (opts.env ?? process.env);
  const config = loadConfig(serviceConfigSchema(def), env);
  const production = config.NODE_ENV === 'production';
  const logger = opts.logger ?? createLogger(def.name, opts.schemaOnly ? 'silent' : config.LOG_LEVEL);
  const schema = config.DB_SCHEMA ?? def.name;
  const info: ServiceInfo = {
    name: def.name,
    schema,
    topic: topicName(def.name, config.KAFKA_TOPIC_PREFIX),
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    // Two environments on one broker must not share consumer groups: the groups follow the topic prefix unless set apart.
    consumerGroupPrefix: config.CONSUMER_GROUP_PREFIX ?? config.KAFKA_TOPIC_PREFIX,
    production,
    schemaOnly: !!opts.schemaOnly,
    eventRetention: eventRetention(config.EVENT_RETENTION_HOURS),
    role: config.PROCESS_ROLE,
  };
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema,
    entities: def.entities,
    migrations: serviceMigrations(def),
    poolSize: config.DB_POOL_SIZE,
    readPool: config.DB_READ_SESSIONS,
    acquireTimeoutMs: config.DB_POOL_ACQUIRE_TIMEOUT_MS,
    applicationName: `crm-${def.name}`,
  });
  const ownsBus = !opts.bus;
  let bus: EventBus = opts.bus ?? new InProcessEventBus();
  if (!opts.bus && config.KAFKA_BROKERS) bus = new KafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: `crm-${def.name}`, logger, retention: info.eventRetention });
  else if (!opts.bus && !opts.schemaOnly) logger.warn('KAFKA_BROKERS is not set: events stay inside this process (in-process bus)');

  let relay: OutboxRelay | undefined;
  let auditRetention: AuditRetention | undefined;
  // One LISTEN connection for the NOTIFYs that wake this process's background work: the outbox relay
  // and the job queues (an api process has neither; it only sends them).
  const wakes = runsBackgroundWork(info) ? new WakeListener(config.DATABASE_URL, `crm-${schema}-wakes`, logger.child({ component: 'wakes' })) : undefined;
  let app: NestExpressApplication | undefined;
  let metricsServer: MetricsServer | undefined;
  const metrics = new ServiceMetrics(def.name);
  try {
    if (!opts.schemaOnly) {
      await dataSource.initialize();
      if (config.RUN_MIGRATIONS) {
        const ran = await migrate(dataSource, schema);
        if (ran.length) logger.info({ migrations: ran }, 'migrations applied');
      }
      if (ownsBus) await bus.connect();
      await bus.ensureTopics([info.topic, deadLetterTopic(info.topic)]);
    }

    @Module({
      imports: [
        PlatformModule.forService({ config, info, dataSource, bus, metrics, logger, wakes }),
        GraphQLModule.forRoot(subgraphOptions({ service: def.name, production, metrics, log: logger, orphanedTypes: def.orphanedTypes, schemaScope: def.schemaScope })),
        ...def.modules,
      ],
    })
    class ServiceRootModule {}

    app = await NestFactory.create<NestExpressApplication>(ServiceRootModule, { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false });
    // Express's default 100 kB would cut off legitimate bulk mutations (inline CSV import); the gateway caps requests at 8 MB.
    // Only /graphql: a module's public routes (web forms, webhooks) parse their own bodies with their own limits and types.
    app.use('/graphql', json({ limit: '10mb' }));
    app.set('trust proxy', config.TRUST_PROXY);
    // No ETag: every answer here is dynamic and uncached (GraphQL POSTs, no-store tracking pixels), and
    // Express hashed each response body to make one (1.5 % of the tracking endpoint's CPU).
    app.set('etag', false);
    app.disable('x-powered-by');
    if (opts.schemaOnly) {
      await app.init();
    } else {
      // Event handlers (@EventConsumer controllers) run on the platform's transport over the bus; not in an api process.
      if (runsBackgroundWork(info)) app.connectMicroservice(
        {
          strategy: new CrmEventTransport({
            ds: dataSource,
            bus,
            info,
            log: logger.child({ component: 'events' }),
            metrics,
            emitter: app.get(EventPublisher),
            inboxRetentionHours: inboxRetentionHours(config),
          }),
        },
        { inheritAppConfig: true },
      );
      await app.startAllMicroservices();
      await app.listen(config.PORT, config.HOST);
      metricsServer = await startMetricsServer({ host: config.METRICS_HOST, port: metricsPortOf(config), text: () => metrics.text() });
      // Commits wake another process's relay with one NOTIFY of their own (an api process has no relay;
      // a replica's waits while another holds the schema's relay lock).
      app.get(EventPublisher).attachRemoteWake(() => dataSource.query(`SELECT pg_notify($1, '')`, [outboxChannel(schema)]));
      if (runsBackgroundWork(info)) {
        relay = new OutboxRelay(dataSource, bus, { schema, databaseUrl: config.DATABASE_URL, pollMs: config.OUTBOX_POLL_MS, batchSize: config.OUTBOX_BATCH_SIZE, maxBatchBytes: config.OUTBOX_BATCH_MAX_BYTES, retentionHours: config.OUTBOX_RETENTION_HOURS, wakes }, logger.child({ component: 'outbox-relay' }), metrics);
        await relay.start();
        app.get(EventPublisher).attachRelay(relay);
        auditRetention = new AuditRetention(dataSource, { schema, retentionDays: config.AUDIT_RETENTION_DAYS }, logger.child({ component: 'audit-retention' }));
        auditRetention.start();
      }
    }
  } catch (err) {
    // A half-started service must not keep pools, broker connections or a port open (tests, `crm start`).
    await app?.close().catch(() => undefined);
    await metricsServer?.close();
    await relay?.stop(0).catch(() => undefined);
    await auditRetention?.stop();
    await wakes?.close();
    if (ownsBus && !opts.schemaOnly) await bus.disconnect().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw err;
  }
  const address = opts.schemaOnly ? null : app!.getHttpServer().address();
  const port = address && typeof address === 'object' ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}/graphql`;
  if (!opts.schemaOnly) logger.info({ url, metricsUrl: metricsServer?.url, bus: bus.kind, schema, role: info.role }, `${def.name} service ready`);

  let stopped = false;
  return {
    name: def.name,
    app: app!,
    config,
    info,
    dataSource,
    bus,
    relay,
    auditRetention,
    url,
    port,
    metricsUrl: metricsServer?.url,
    sdl: () => printSubgraphSchema(app!.get(GraphQLSchemaHost).schema),
    async stop() {
      if (stopped) return;
      stopped = true;
      // Order matters: stop taking requests and events, flush the outbox, then close pools.
      await app!.close();
      await metricsServer?.close();
      await relay?.stop();
      await auditRetention?.stop();
      await wakes?.close();
      if (ownsBus && !opts.schemaOnly) await bus.disconnect();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** Federation SDL of a service, without a database or broker (for supergraph composition). */
export async function printServiceSchema(def: ServiceDefinition): Promise<string> {
  const svc = await startService(def, { schemaOnly: true });
  try {
    return svc.sdl();
  } finally {
    await svc.stop();
  }
}

/** `main.ts` calls this and nothing else: validate config, start, stop cleanly on SIGTERM/SIGINT. */
export async function bootstrap(def: ServiceDefinition): Promise<void> {
  let svc: RunningService;
  try {
    svc = await startService(def);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${def.name}: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${def.name}: failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  }
  const shutdown = async (signal: string) => {
    process.stderr.write(`${def.name}: ${signal} received, shutting down\n`);
    const timer = setTimeout(() => process.exit(1), 25000);
    timer.unref();
    await svc.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
