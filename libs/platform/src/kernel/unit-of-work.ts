import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '../outbox/event-publisher';
import { requestStore } from '../auth/context-store';
import { inTenantTx, type TenantTxOptions, type Tx } from './tx';

/**
 * The service's way into its database: `run(tenantId, tx => …)` is one connection, one
 * transaction bound to the tenant, events written to the outbox in it. Use cases, consumers and
 * schedulers all go through it. Within a GraphQL query operation, the request's reads share one
 * transaction (request-tx.ts); mutations, consumers and schedulers get one per `run`.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  run<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, opts?: TenantTxOptions): Promise<T> {
    const shared = opts?.rollback ? undefined : requestStore.getStore()?.readTx;
    if (shared) return shared.run(this.ds, tenantId, fn, this.events);
    return inTenantTx(this.ds, tenantId, fn, this.events, opts);
  }
}
