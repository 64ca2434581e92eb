import { z } from 'zod';
import { defineEvent } from '../../contract';

/**
 * The tenant's quote template changed. Subject = tenant id (one template per tenant). Carries a
 * content hash and size, not the template (up to 200,000 characters — too big for an event); read
 * the template itself through GraphQL when the hash changes.
 */
export const QuoteTemplateUpdatedV1 = defineEvent({
  type: 'crm.sales.quote-template.updated.v1',
  module: 'sales',
  aggregate: 'quote-template',
  description: 'The tenant’s HTML quote template was set or replaced.',
  schema: z.object({
    /** sha256 of the template's UTF-8 bytes, hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    length: z.number().int().nonnegative(),
    updatedBy: z.string(),
    updatedAt: z.string(),
  }),
  example: {
    sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    length: 63,
    updatedBy: 'user-1',
    updatedAt: '2026-03-01T09:00:00.000Z',
  },
});
