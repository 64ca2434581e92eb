import { Inject, Injectable } from '@nestjs/common';
import type { SqlRunner } from '../db/sql';
import { envelope } from '@crm/events';
import { currentActor, currentTraceparent } from '../auth/context-store';
import { SERVICE_INFO } from '../tokens';
import type { ServiceInfo } from '../service-info';
import { OutboxWriter } from './outbox-writer';

export interface DomainEvent<T = unknown> {
  type: string;
  subject: string;
  data: T;
}

/** What service code uses to emit events: always through the outbox, in the caller's transaction. */
@Injectable()
export class EventPublisher {
  private readonly writer: OutboxWriter;
  constructor(@Inject(SERVICE_INFO) private readonly info: ServiceInfo) {
    this.writer = new OutboxWriter(info.schema);
  }

  async emit(m: SqlRunner, tenantId: string, events: DomainEvent[]): Promise<void> {
    const traceparent = currentTraceparent();
    // The same actor the transaction's audit rows record (tx.ts binds it from currentActor too).
    const actorId = currentActor();
    await this.writer.append(
      m,
      events.map((e) => ({
        topic: this.info.topic,
        event: envelope({ type: e.type, subject: e.subject, data: e.data, tenantId, source: `crm/${this.info.name}`, traceparent, actorId }),
      })),
    );
  }
}
