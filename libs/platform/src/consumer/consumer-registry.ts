import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { EventBus } from '../bus/event-bus';
import { ServiceMetrics } from '../metrics';
import { EVENT_BUS, LOGGER, PLATFORM_CONFIG, SERVICE_INFO } from '../tokens';
import { IdempotentConsumer, type ConsumerSpec } from './idempotent-consumer';
import { InboxPurger } from './inbox-purge';
import type { ServiceInfo } from '../service-info';
import { inboxRetentionHours, type BaseServiceConfig } from '../config';

/**
 * Service modules register their consumers here (in their constructor or onModuleInit); the
 * platform starts them once the app is up and stops them first on shutdown. The consumer side also
 * owns the inbox's retention sweep (InboxPurger).
 */
@Injectable()
export class ConsumerRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly specs: ConsumerSpec[] = [];
  private readonly running: IdempotentConsumer[] = [];
  private purger?: InboxPurger;

  constructor(
    private readonly ds: DataSource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly metrics: ServiceMetrics,
    @Inject(PLATFORM_CONFIG) private readonly config: BaseServiceConfig,
  ) {}

  register(spec: ConsumerSpec): void {
    this.specs.push(spec);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.info.schemaOnly) return;
    try {
      for (const spec of this.specs) {
        const c = new IdempotentConsumer(this.ds, this.bus, spec, this.log.child({ consumer: spec.name }), this.metrics);
        await c.start(this.info.consumerGroupPrefix);
        this.running.push(c);
      }
    } catch (err) {
      // All or nothing: a service whose consumers did not all start must not leave some running.
      await this.onModuleDestroy();
      throw err;
    }
    this.purger = new InboxPurger(this.ds, { schema: this.info.schema, retentionHours: inboxRetentionHours(this.config) }, this.log.child({ component: 'inbox-purge' }));
    this.purger.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.purger?.stop();
    this.purger = undefined;
    await Promise.all(this.running.map((c) => c.stop()));
    this.running.length = 0;
  }
}
