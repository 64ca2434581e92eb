import { Inject, Injectable } from '@nestjs/common';
import type { SqlRunner } from '../db/sql';
import { envelope } from '@crm/events';
import { currentActor, currentTraceparent } from '../auth/context-store';
import { SERVICE_INFO } from '../tokens';
import type { ServiceInfo } from '../service-info';
import { CoalescedWake } from '../db/wakes';
import { OutboxWriter } from './outbox-writer';

export interface DomainEvent<T = unknown> {
  type: string;
  subject: string;
  data: T;
}

/** The service's own outbox relay, as the publisher sees it. */
export interface RelayWake {
  /** True while this process's relay is the one publishing (it held the schema's relay lock at its last sweep). */
  active(): boolean;
  poke(): void;
}

/** What service code uses to emit events: always through the outbox, in the caller's transaction. */
@Injectable()
export class EventPublisher {
  private readonly writer: OutboxWriter;
  private relay?: RelayWake;
  constructor(@Inject(SERVICE_INFO) private readonly info: ServiceInfo) {
    this.writer = new OutboxWriter(info.schema);
  }

  /** Set at boot: from then on commits wake this relay directly instead of through NOTIFY while it is the active one. */
  attachRelay(relay: RelayWake): void {
    this.relay = relay;
  }

  /**
   * Set at boot: how to wake the relay of another process (a NOTIFY on the outbox's channel, in a
   * transaction of its own). Without it, each emitting transaction carries its own NOTIFY.
   */
  attachRemoteWake(notify: () => Promise<unknown>): void {
    this.remoteWake = new CoalescedWake(notify);
  }

  private remoteWake?: CoalescedWake;

  /**
   * A transaction that emitted has committed (Tx.afterCommit): its rows are there for the relay. Ours,
   * when it is the one publishing, is poked; otherwise (an `api` process, a replica whose relay waits
   * on another's lock) one NOTIFY outside the writers' transactions wakes the publishing one — one in
   * flight at a time, the commits meanwhile covered by the next. A NOTIFY inside each writer's
   * transaction made Postgres serialise their commits (outbox-writer.ts).
   */
  committed(): void {
    if (this.relay?.active() || !this.remoteWake) return this.relay?.poke();
    this.remoteWake.fire();
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
      // Another process's relay is publishing (or ours has not swept yet): only a NOTIFY reaches it,
      // sent after the commit when this process can (committed), else with the rows.
      { notify: !this.relay?.active() && !this.remoteWake },
    );
  }
}
