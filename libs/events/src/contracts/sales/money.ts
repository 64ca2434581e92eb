import { z } from 'zod';

/**
 * Money on the wire: a decimal string (never a float) with an ISO 4217 currency. `amount` carries
 * exactly the currency's minor units (2 for EUR/USD, 0 for JPY, 3 for KWD), e.g. "1234.50".
 */
export const money = z.object({
  amount: z.string().regex(/^-?\d+(\.\d+)?$/, 'amount must be a decimal string'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
});
export type MoneyData = z.infer<typeof money>;

/** Where a deal or order came from, so marketing can attribute revenue (lead source, UTM, paid keyword). */
export const attribution = z.object({
  leadSource: z.string().nullable(),
  source: z.string().nullable(),
  medium: z.string().nullable(),
  campaign: z.string().nullable(),
  term: z.string().nullable(),
  content: z.string().nullable(),
  keyword: z.string().nullable(),
});

export const exampleAttribution = {
  leadSource: 'paid-search',
  source: 'google',
  medium: 'cpc',
  campaign: 'spring-2026',
  term: 'open source crm',
  content: null,
  keyword: 'open source crm',
};

export const exampleIds = {
  deal: '8a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  contact: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
  pipeline: '0b7e8c9d-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
  stageA: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  stageB: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
  quote: '3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b',
  order: '4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f6a7b8c',
  product: '5a6b7c8d-9e0f-4a1b-8c3d-4e5f6a7b8c9d',
  task: '6b7c8d9e-0f1a-4b2c-9d4e-5f6a7b8c9d0e',
} as const;

/** Where a purchase happened. */
export const salesChannel = z.enum(['direct', 'point_of_sale', 'web_shop', 'phone', 'marketplace', 'other']);

export const fmt = (m: MoneyData) => `${m.amount} ${m.currency}`;
