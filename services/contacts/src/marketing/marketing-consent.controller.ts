import { Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { UnsubscribedV1 } from '@crm/events';
import { EventConsumer, LOGGER, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { ContactRepository } from '../contacts/contact.repository';
import { SetConsent } from '../contacts/use-cases/set-consent.use-case';

/**
 * The consumer `contacts.marketing-consent`: contacts is the one writer of consent, so an unsubscribe
 * or spam complaint marketing saw becomes a `withdrawn` record here — through the same path as a
 * user's setConsent (append-only history, a new version, contact.updated with the new snapshot, which
 * every replica, marketing's too, applies). A merged contact's withdrawal lands on the survivor; an
 * erased contact has nothing left to withdraw.
 */
@EventConsumer('marketing-consent')
export class MarketingConsentEvents {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly setConsent: SetConsent,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  @OnEvent(UnsubscribedV1)
  async onUnsubscribed(@Payload() event: Event<typeof UnsubscribedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const d = event.data;
    const tx = ctx.tx;
    // The inbox already dedupes; this also holds after the inbox row was purged (INBOX_RETENTION_HOURS).
    if (await this.contacts.consentRecordedByEvent(tx, event.id)) return;
    const target = await this.contacts.lockCurrent(tx, d.contactId.toLowerCase());
    if (!target || target.erased_at) {
      this.log.info({ eventId: event.id, contactId: d.contactId, erased: !!target }, 'unsubscribe for an unknown or erased contact: nothing to withdraw');
      return;
    }
    const campaign = d.campaignName ? `, campaign “${d.campaignName}”${d.campaignId ? ` (${d.campaignId})` : ''}` : d.campaignId ? `, campaign ${d.campaignId}` : '';
    const what = d.reason === 'complaint' ? `Reported a ${d.channel} message as spam` : `Unsubscribed from ${d.channel}`;
    await this.setConsent.record(
      tx,
      target.id,
      {
        channel: d.channel,
        status: 'withdrawn',
        legalBasis: null,
        source: `marketing: ${d.reason}${campaign}`.slice(0, 200),
        // The evidence of the withdrawal: what the person did, when, on which message.
        wording: `${what} at ${d.unsubscribedAt}${d.messageId ? ` (message ${d.messageId})` : ''}`,
        wordingVersion: null,
        sourceEventId: event.id,
      },
      'module:marketing',
    );
  }
}
