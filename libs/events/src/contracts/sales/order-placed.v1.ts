import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { documentLine, documentTotals, exampleLine, exampleTotals } from './document';
import { exampleIds, fmt, salesChannel } from './money';

/**
 * A purchase: an accepted quote, or an order from a point of sale, web shop or phone. Subject =
 * order id. With lines, totals and channel, so every purchase reaches the CRM — not only pipeline deals.
 */
export const OrderPlacedV1 = defineEvent({
  type: 'crm.sales.order.placed.v1',
  module: 'sales',
  aggregate: 'order',
  description: 'An order was placed (accepted quote, point of sale, web shop, phone…): lines, taxes, totals and sales channel.',
  schema: z.object({
    orderId: uuid,
    number: z.string(),
    contactId: uuid,
    dealId: uuid.nullable(),
    quoteId: uuid.nullable(),
    ownerId: z.string(),
    channel: salesChannel,
    externalRef: z.string().nullable(),
    lines: z.array(documentLine),
    totals: documentTotals,
    placedAt: z.string(),
  }),
  example: {
    orderId: exampleIds.order,
    number: 'O-000001',
    contactId: exampleIds.contact,
    dealId: null,
    quoteId: null,
    ownerId: 'user-1',
    channel: 'web_shop',
    externalRef: 'shop-10045',
    lines: [exampleLine],
    totals: exampleTotals,
    placedAt: '2026-03-11T12:00:00.000Z',
  },
  timeline: (d) => ({ contactId: d.contactId, kind: 'order', summary: `Order ${d.number} placed via ${d.channel.replace('_', ' ')} (${fmt(d.totals.total)})` }),
});
