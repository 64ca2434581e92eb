import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money, salesChannel } from './money';

/** An order was paid (commissions on orders are earned now). Subject = order id. */
export const OrderPaidV1 = defineEvent({
  type: 'crm.sales.order.paid.v1',
  module: 'sales',
  aggregate: 'order',
  description: 'An order was paid in full.',
  schema: z.object({ orderId: uuid, number: z.string(), contactId: uuid, ownerId: z.string(), channel: salesChannel, total: money, paidAt: z.string() }),
  example: { orderId: exampleIds.order, number: 'O-000001', contactId: exampleIds.contact, ownerId: 'user-1', channel: 'web_shop', total: { amount: '71.36', currency: 'EUR' }, paidAt: '2026-03-12T08:00:00.000Z' },
});
