import { z } from 'zod';
import { defineEvent } from '../../contract';

/**
 * The tenant's quote template changed. Subject = tenant id (one template per tenant). Carries the
 * template itself (HTML with {{placeholders}}; it holds no customer data — values are filled in when
 * a quote is rendered).
 */
export const QuoteTemplateUpdatedV1 = defineEvent({
  type: 'crm.sales.quote-template.updated.v1',
  module: 'sales',
  aggregate: 'quote-template',
  description: 'The tenant’s HTML quote template was set or replaced.',
  schema: z.object({
    html: z.string(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  }),
  example: {
    html: '<h1>Quote {{number}}</h1><p>Total {{total}} {{currency}}</p>',
    updatedBy: 'user-1',
    updatedAt: '2026-03-01T09:00:00.000Z',
  },
});
