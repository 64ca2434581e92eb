import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '../outbox/event-publisher';
import { requestStore } from '../auth/context-store';
import { inTenantTx, type TenantTxOptions, type Tx } from './tx';

export interface UnitOfWorkOptions extends TenantTxOptions {
  /**
   * This work writes even when a query operation runs it (the directory provisioning the signed-in
   * user on their first request): it gets its own transaction on the write pool, committed when
   * `run` returns, instead of the request's read-only session.
   */
  writes?: boolean;
}

/**
 * The service's way into its database: `run(tenantId, tx => …)` is one connection, one
 * transaction bound to the tenant, events written to the outbox in it. Use cases, consumers and
 * schedulers all go through it. Within a GraphQL query operation, the request's reads share one
 * read-only session on the read pool (request-tx.ts); mutations, consumers and schedulers get a
 * transaction per `run`.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  run<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, opts?: UnitOfWorkOptions): Promise<T> {
    const shared = opts?.rollback || opts?.writes ? undefined : requestStore.getStore()?.readTx;
    if (shared) return shared.run(this.ds, tenantId, fn);
    return inTenantTx(this.ds, tenantId, fn, this.events, opts);
  }
}
