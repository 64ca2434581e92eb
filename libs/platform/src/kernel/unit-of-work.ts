import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventPublisher } from '../outbox/event-publisher';
import { inTenantTx, type TenantTxOptions, type Tx } from './tx';

/**
 * The service's way into its database: `run(tenantId, tx => …)` is one connection, one
 * transaction bound to the tenant, events written to the outbox in it. Use cases, consumers and
 * schedulers all go through it.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  run<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, opts?: TenantTxOptions): Promise<T> {
    return inTenantTx(this.ds, tenantId, fn, this.events, opts);
  }
}
