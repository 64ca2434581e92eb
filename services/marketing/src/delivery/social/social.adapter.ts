import { Inject, Injectable } from '@nestjs/common';
import { bodySignature } from '../../tracking/tracking-token';
import type { ChannelAdapter, DeliveryReceipt, OutboundMessage } from '../channel.port';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery.config';
import { DeliveryRecords } from '../delivery-records';

/**
 * Social direct messages through a webhook (MARKETING_SOCIAL_WEBHOOK_URL): whatever bridges to the
 * network (a provider, an automation) receives `{messageId, campaignId, contactId, handle, text}`,
 * signed `X-CRM-Signature: sha256=<hex HMAC-SHA256 of the body>` with MARKETING_SOCIAL_WEBHOOK_SECRET,
 * and `Idempotency-Key: <message id>`. 4xx: permanent; 5xx / timeout: thrown for a retry.
 */
@Injectable()
export class SocialAdapter implements ChannelAdapter {
  readonly channel = 'social' as const;

  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly records: DeliveryRecords,
  ) {}

  async send(m: OutboundMessage): Promise<DeliveryReceipt> {
    const social = this.config.social;
    if (!social) return { providerMessageId: null, permanentFailure: { diagnostic: 'no social webhook configured (MARKETING_SOCIAL_WEBHOOK_URL)' } };
    await this.records.remember(m, []);
    const body = JSON.stringify({ messageId: m.messageId, campaignId: m.campaignId, contactId: m.contactId, handle: m.address, recipientName: m.recipientName, text: m.text });
    const res = await fetch(social.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': m.messageId,
        ...(social.secret ? { 'x-crm-signature': bodySignature(social.secret, body) } : {}),
      },
      body,
      signal: AbortSignal.timeout(this.config.providerTimeoutMs),
    });
    const answer = await res.text();
    if (res.status >= 400 && res.status < 500) return { providerMessageId: null, permanentFailure: { diagnostic: `${res.status} ${answer.slice(0, 500)}` } };
    if (!res.ok) throw new Error(`social webhook answered ${res.status}: ${answer.slice(0, 500)}`);
    return { providerMessageId: m.messageId };
  }
}
