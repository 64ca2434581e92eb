import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { CommissionsService } from '../commissions/commissions.service';
import type { Order } from '../quotes/quote.types';
import { OrderPresenter } from './order.presenter';
import { OrderRepository } from './order.repository';
import { emitOrderPaid } from './orders.events';

/**
 * The one way an order becomes paid (markOrderPaid, or placeOrder with paid: true): in the same
 * transaction its commissions are earned and order.paid is written, so a statement never misses one.
 */
@Injectable()
export class OrderPayment {
  constructor(
    private readonly orders: OrderRepository,
    private readonly presenter: OrderPresenter,
    private readonly commissions: CommissionsService,
  ) {}

  async pay(tx: Tx, orderId: string): Promise<Order> {
    const order = await this.presenter.one(tx, await this.orders.markPaid(tx, orderId));
    await this.commissions.onOrderPaid(tx, order);
    await emitOrderPaid(tx, order);
    return order;
  }
}
