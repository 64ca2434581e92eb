import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { money } from '../sales/money';

/**
 * One row of ad spend was recorded or replaced (mutation or CSV import). Subject = the spend row's id,
 * stable for its (day, source, medium, campaign, keyword): a re-import of the same day replaces the
 * figures and emits again with the same subject, so the latest event per subject is the current value.
 */
export const AdSpendRecordedV1 = defineEvent({
  type: 'crm.marketing.ad-spend.recorded.v1',
  module: 'marketing',
  aggregate: 'ad-spend',
  description: 'Ad spend for one day, source, medium, campaign and keyword was recorded or replaced (cost, clicks, impressions).',
  schema: z.object({
    spendId: uuid,
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    source: z.string(),
    medium: z.string().nullable(),
    campaign: z.string().nullable(),
    keyword: z.string().nullable(),
    cost: money,
    clicks: z.number().int().nullable(),
    impressions: z.number().int().nullable(),
    recordedBy: z.string(),
  }),
  example: {
    spendId: '1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b',
    day: '2026-04-01',
    source: 'google',
    medium: 'cpc',
    campaign: 'spring-2026',
    keyword: 'open source crm',
    cost: { amount: '120.50', currency: 'EUR' },
    clicks: 84,
    impressions: 2300,
    recordedBy: 'user-1',
  },
});
