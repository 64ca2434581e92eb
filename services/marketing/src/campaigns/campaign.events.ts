import {
  CampaignCancelledV1, CampaignCompletedV1, CampaignCreatedV1, CampaignPausedV1, CampaignResumedV1, CampaignScheduledV1, CampaignStartedV1,
  MessageRoutedV1, type EventData,
} from '@crm/events';
import type { Tx } from '@crm/platform';
import type { RoutedRow } from '../routing/route.sql';
import type { Campaign } from './campaign.types';

const ref = (c: Campaign, actor: string) => ({ campaignId: c.id, name: c.name, actor, at: new Date().toISOString() });

export const emitCampaignCreated = (tx: Tx, c: Campaign, actor: string) =>
  tx.emit(CampaignCreatedV1, c.id, { ...ref(c, actor), goal: c.goal, channels: c.channels, includeSegmentIds: c.includeSegmentIds, excludeSegmentIds: c.excludeSegmentIds, abTest: !!c.abTest });
export const emitCampaignScheduled = (tx: Tx, c: Campaign, actor: string, startsAt: Date) => tx.emit(CampaignScheduledV1, c.id, { ...ref(c, actor), startsAt: startsAt.toISOString() });
export const emitCampaignStarted = (tx: Tx, c: Campaign, queued: number, skipped: number) => tx.emit(CampaignStartedV1, c.id, { ...ref(c, 'system'), queued, skipped });
export const emitCampaignPaused = (tx: Tx, c: Campaign, actor: string) => tx.emit(CampaignPausedV1, c.id, ref(c, actor));
export const emitCampaignResumed = (tx: Tx, c: Campaign, actor: string) => tx.emit(CampaignResumedV1, c.id, ref(c, actor));
export const emitCampaignCancelled = (tx: Tx, c: Campaign, actor: string, cancelledMessages: number) => tx.emit(CampaignCancelledV1, c.id, { ...ref(c, actor), cancelledMessages });
export const emitCampaignCompleted = (tx: Tx, c: Campaign, counts: { sent: number; failed: number; skipped: number }) => tx.emit(CampaignCompletedV1, c.id, { ...ref(c, 'system'), ...counts });

/** Bulk: one outbox round trip per chunk (100,000 decisions → 20 round trips). */
const CHUNK = 5000;
export async function emitRouted(tx: Tx, campaignId: string, rows: RoutedRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const events: { subject: string; data: EventData<typeof MessageRoutedV1> }[] = rows.slice(i, i + CHUNK).map((r) => ({
      subject: r.id,
      data: {
        messageId: r.id, campaignId, contactId: r.contact_id, channel: r.channel, skipReason: r.skip_reason, passedOver: r.passed_over,
        variant: r.variant, routedAt: r.routed_at.toISOString(),
      },
    }));
    await tx.emitMany(MessageRoutedV1, events);
  }
}
