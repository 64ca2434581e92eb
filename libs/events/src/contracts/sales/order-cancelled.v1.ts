import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds, money, salesChannel } from './money';

/** An order was cancelled before payment; it no longer counts as revenue. Subject = order id. */
export const OrderCancelledV1 = defineEvent({
  type: 'crm.sales.order.cancelled.v1',
  module: 'sales',
  aggregate: 'order',
  description: 'An unpaid order was cancelled; it no longer counts towards revenue or lifetime value.',
  schema: z.object({ orderId: uuid, number: z.string(), contactId: uuid, channel: salesChannel, total: money, cancelledAt: z.string(), cancelledBy: z.string() }),
  example: { orderId: exampleIds.order, number: 'O-000001', contactId: exampleIds.contact, channel: 'phone', total: { amount: '71.36', currency: 'EUR' }, cancelledAt: '2026-03-12T08:00:00.000Z', cancelledBy: 'user-1' },
});
