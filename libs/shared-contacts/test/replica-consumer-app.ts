import { type DynamicModule, Global, type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { CrmEventTransport, EventPublisher, SERVICE_INFO, type EventBus, type ServiceInfo } from '@crm/platform';
import { ContactReplicaModule, type ContactReplicaHooks } from '../src';

/**
 * A service's event side as startService wires it: the ContactReplicaModule (with the service's
 * hooks) in a Nest app on the platform's event transport over the given bus.
 */
export async function startReplicaConsumer(o: { ds: DataSource; bus: EventBus; log: Logger; info: ServiceInfo; hooks?: Type<ContactReplicaHooks> }) {
  @Global()
  @Module({ providers: [{ provide: SERVICE_INFO, useValue: o.info }], exports: [SERVICE_INFO] })
  class TestPlatformModule {}

  @Module({ imports: [TestPlatformModule, ContactReplicaModule.forRoot({ hooks: o.hooks }) as DynamicModule] })
  class Root {}

  const transport = new CrmEventTransport({ ds: o.ds, bus: o.bus, info: o.info, log: o.log, emitter: new EventPublisher(o.info), inboxRetentionHours: 168 });
  const app: INestMicroservice = await NestFactory.createMicroservice(Root, { strategy: transport, logger: false });
  await app.listen();
  return { app, transport };
}
