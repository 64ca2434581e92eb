import { Injectable } from '@nestjs/common';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { OrderStatus, type Order } from '../../quotes/quote.types';
import { OrderPayment } from '../order-payment';
import { OrderRepository } from '../order.repository';

/** Records an order's payment (earns its order commissions). */
@Injectable()
export class MarkOrderPaid {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly orders: OrderRepository,
    private readonly payment: OrderPayment,
  ) {}

  async execute(ctx: RequestContext, id: string): Promise<Order> {
    if (!isUuid(id)) throw invalidField('id', `"${String(id).slice(0, 60)}" is not a order id`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const o = await this.orders.lock(tx, id.toLowerCase());
      if (!o) throw notFound(`order ${id} does not exist`);
      if (o.status !== OrderStatus.PLACED) throw conflict(`order ${o.number} is ${o.status}; only a placed order can be paid`, { orderId: o.id, status: o.status });
      return this.payment.pay(tx, o.id);
    });
  }
}
