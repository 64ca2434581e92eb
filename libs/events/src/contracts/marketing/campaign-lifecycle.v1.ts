import { z } from 'zod';
import { defineEvent } from '../../contract';
import { channel, uuid } from '../common';

/** What every campaign lifecycle event carries. */
const campaignRef = z.object({
  campaignId: uuid,
  name: z.string(),
  /** The user who acted, or `system` for the scheduler (start, completion, the A/B winner). */
  actor: z.string(),
  at: z.string(),
});
const exampleRef = { campaignId: '5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e', name: 'Spring newsletter', actor: 'user-1', at: '2026-04-01T09:00:00.000Z' };

export const CampaignCreatedV1 = defineEvent({
  type: 'crm.marketing.campaign.created.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A campaign was created (as a draft): its audience segments and allowed channels.',
  schema: campaignRef.extend({ goal: z.string().nullable(), channels: z.array(channel), includeSegmentIds: z.array(uuid), excludeSegmentIds: z.array(uuid), abTest: z.boolean() }),
  example: { ...exampleRef, goal: 'Spring sale', channels: ['email', 'sms'], includeSegmentIds: ['6f1c8f3e-52a4-4c1e-9d1e-0b7a3c2d4e5f'], excludeSegmentIds: [], abTest: false },
});

export const CampaignScheduledV1 = defineEvent({
  type: 'crm.marketing.campaign.scheduled.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A campaign was scheduled to start at a time (now, or later).',
  schema: campaignRef.extend({ startsAt: z.string() }),
  example: { ...exampleRef, startsAt: '2026-04-01T09:00:00.000Z' },
});

export const CampaignStartedV1 = defineEvent({
  type: 'crm.marketing.campaign.started.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A campaign started: its audience was routed (counts of queued and skipped recipients).',
  schema: campaignRef.extend({ queued: z.number().int(), skipped: z.number().int() }),
  example: { ...exampleRef, actor: 'system', queued: 980, skipped: 20 },
});

export const CampaignPausedV1 = defineEvent({
  type: 'crm.marketing.campaign.paused.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A running campaign was paused: nothing more is sent until it is resumed.',
  schema: campaignRef,
  example: exampleRef,
});

export const CampaignResumedV1 = defineEvent({
  type: 'crm.marketing.campaign.resumed.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A paused campaign was resumed: sending continues where it stopped.',
  schema: campaignRef,
  example: exampleRef,
});

export const CampaignCompletedV1 = defineEvent({
  type: 'crm.marketing.campaign.completed.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A campaign finished: every routed message was sent (or failed) and no follow-up or A/B phase is pending.',
  schema: campaignRef.extend({ sent: z.number().int(), failed: z.number().int(), skipped: z.number().int() }),
  example: { ...exampleRef, actor: 'system', sent: 975, failed: 5, skipped: 20 },
});

export const CampaignCancelledV1 = defineEvent({
  type: 'crm.marketing.campaign.cancelled.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'A campaign was cancelled: messages not yet sent are marked cancelled and never leave.',
  schema: campaignRef.extend({ cancelledMessages: z.number().int() }),
  example: { ...exampleRef, cancelledMessages: 120 },
});

/** The A/B test's winner was chosen when its test duration ended; the rest of the audience gets it. */
export const CampaignWinnerChosenV1 = defineEvent({
  type: 'crm.marketing.campaign.winner-chosen.v1',
  module: 'marketing',
  aggregate: 'campaign',
  description: 'The A/B test of a campaign ended: the winning variant by its metric, sent to the rest of the audience.',
  schema: campaignRef.extend({ winner: z.string(), metric: z.enum(['open', 'click', 'conversion']), rates: z.record(z.string(), z.number()) }),
  example: { ...exampleRef, actor: 'system', winner: 'B', metric: 'open', rates: { A: 0.2, B: 0.3 } },
});
