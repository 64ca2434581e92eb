import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { EventBus } from './bus/event-bus';
import type { BaseServiceConfig } from './config';
import { ContextMiddleware } from './http/context.middleware';
import { HealthController } from './http/health.controller';
import { ServiceMetrics } from './metrics';
import { EventPublisher } from './outbox/event-publisher';
import { OperationCatalogue, OperationGuard } from './kernel/operation.guard';
import { UnitOfWork } from './kernel/unit-of-work';
import { JobWakes } from './kernel/job-wakes';
import { WakeListener } from './db/wakes';
import type { ServiceInfo } from './service-info';
import { EVENT_BUS, LOGGER, PLATFORM_CONFIG, SERVICE_INFO } from './tokens';

export interface PlatformParts {
  config: BaseServiceConfig;
  info: ServiceInfo;
  dataSource: DataSource;
  bus: EventBus;
  metrics: ServiceMetrics;
  logger: Logger;
  /** The process's wake-up listener: only where background work runs. */
  wakes?: WakeListener;
}

@Global()
@Module({})
export class PlatformModule implements NestModule {
  static forService(parts: PlatformParts): DynamicModule {
    const providers: Provider[] = [
      { provide: PLATFORM_CONFIG, useValue: parts.config },
      { provide: SERVICE_INFO, useValue: parts.info },
      { provide: DataSource, useValue: parts.dataSource },
      { provide: EVENT_BUS, useValue: parts.bus },
      { provide: ServiceMetrics, useValue: parts.metrics },
      { provide: LOGGER, useValue: parts.logger },
      ...(parts.wakes ? [{ provide: WakeListener, useValue: parts.wakes }] : []),
      EventPublisher,
      JobWakes,
      UnitOfWork,
      OperationCatalogue,
      { provide: APP_GUARD, useClass: OperationGuard },
    ];
    return {
      module: PlatformModule,
      imports: [DiscoveryModule, TerminusModule.forRoot({ logger: false, errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers,
      exports: [PLATFORM_CONFIG, SERVICE_INFO, DataSource, EVENT_BUS, ServiceMetrics, LOGGER, EventPublisher, JobWakes, UnitOfWork, OperationCatalogue],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ContextMiddleware).forRoutes('graphql');
  }
}
