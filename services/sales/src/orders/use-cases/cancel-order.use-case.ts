import { Injectable } from '@nestjs/common';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { OrderStatus, type Order } from '../../quotes/quote.types';
import { OrderPresenter } from '../order.presenter';
import { OrderRepository } from '../order.repository';
import { emitOrderCancelled } from '../orders.events';

/** Cancels an unpaid order. */
@Injectable()
export class CancelOrder {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly orders: OrderRepository,
    private readonly presenter: OrderPresenter,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<Order> {
    if (!isUuid(id)) throw invalidField('id', `"${String(id).slice(0, 60)}" is not a order id`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const o = await this.orders.lock(tx, id.toLowerCase());
      if (!o) throw notFound(`order ${id} does not exist`);
      if (o.status !== OrderStatus.PLACED) throw conflict(`order ${o.number} is ${o.status}; only an unpaid order can be cancelled`, { orderId: o.id, status: o.status });
      const order = await this.presenter.one(tx, await this.orders.markCancelled(tx, o.id));
      await emitOrderCancelled(tx, ctx, order);
      return order;
    });
  }
}
