import { Injectable } from '@nestjs/common';
import { isUuid, keysetPage, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { fromDb, money, optionalIdField, type Money } from '@crm/shared-kernel';
import { z } from 'zod';
import type { Listed, Order, OrderFilter } from '../quotes/quote.types';
import { OrderStatus, SalesChannel } from '../quotes/quote.types';
import { OrderPresenter } from './order.presenter';
import { OrderRepository } from './order.repository';

/** Orders newest first (Query.orders and Contact.orders). */
const ORDER_ORDER: KeysetOrder = { name: 'orders', key: 'placed_at', dir: 'DESC', timestamp: true };

const orderFilterSchema = z.object({
  contactId: optionalIdField('contact id'),
  channel: z.enum(SalesChannel).nullish().transform((v) => v ?? null),
  status: z.enum(OrderStatus).nullish().transform((v) => v ?? null),
});

/** Reads of orders: by id (batched), the filtered list, per contact (batched), lifetime value. */
@Injectable()
export class OrderQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly orders: OrderRepository,
    private readonly presenter: OrderPresenter,
  ) {}

  /** result[i] belongs to ids[i]; a malformed or unknown id is null (it never fails the batch). */
  async getMany(tenantId: string, ids: readonly string[]): Promise<(Listed<Order> | null)[]> {
    const valid = ids.filter(isUuid).map((i) => i.toLowerCase());
    const orders = valid.length ? await this.uow.run(tenantId, async (tx) => this.presenter.listed(await this.orders.byIds(tx, valid))) : [];
    return ids.map((id) => orders.find((o) => o.id === id.toLowerCase()) ?? null);
  }

  async list(tenantId: string, rawFilter: OrderFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Listed<Order>>> {
    const filter = parseInput(orderFilterSchema, rawFilter, 'filter');
    const page = keysetPage(ORDER_ORDER, args);
    return this.uow.run(tenantId, async (tx) => {
      const { rows, total } = await this.orders.page(tx, filter, page, withTotal);
      return page.connection(rows, (r) => this.presenter.listed(r), total);
    });
  }

  /** One page of orders of each of many contacts in one query (Contact.orders, batched). */
  async byContacts(tenantId: string, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Listed<Order>>[]> {
    const page = keysetPage(ORDER_ORDER, args);
    return this.uow.run(tenantId, (tx) => this.orders.pageByContacts(tx, contactIds, page, (rows) => this.presenter.listed(rows), withTotal));
  }

  /** Revenue per currency of many contacts (see OrderRepository.lifetimeValues); result[i] belongs to contactIds[i]. */
  async lifetimeValues(tenantId: string, contactIds: readonly string[]): Promise<Money[][]> {
    const rows = await this.uow.run(tenantId, (tx) => this.orders.lifetimeValues(tx, [...new Set(contactIds)]));
    return contactIds.map((c) => rows.filter((r) => r.contact_id === c).map((r) => money(fromDb(r.total, r.currency), r.currency)));
  }
}
