import { z } from 'zod';
import { channel, uuid } from '../common';

/** Why a recipient got no message: recorded on the message row and in crm.marketing.message.routed.v1. */
export const skipReason = z.enum(['NO_CONSENT', 'NO_ADDRESS', 'NO_ALLOWED_CHANNEL', 'ERASED', 'ARCHIVED', 'FREQUENCY_CAP', 'SUPPRESSED', 'EXCLUDED', 'QUIET_HOURS']);

/** What every message event carries: the message, its campaign and its recipient. */
export const messageRef = z.object({
  messageId: uuid,
  campaignId: uuid,
  campaignName: z.string(),
  contactId: uuid,
  channel,
  /** The A/B variant key ("A", "B"…), or null outside a test. */
  variant: z.string().nullable(),
});

export const exampleMessageRef = {
  messageId: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  campaignId: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e',
  campaignName: 'Spring newsletter',
  contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
  channel: 'email' as const,
  variant: null,
};
export type SkipReason = z.infer<typeof skipReason>;
