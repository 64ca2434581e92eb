import { Inject, Injectable } from '@nestjs/common';
import type { ChannelAdapter, DeliveryReceipt, OutboundMessage } from '../channel.port';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery.config';
import { DeliveryRecords } from '../delivery-records';

/**
 * SMS through an HTTP provider (MARKETING_SMS_URL, bearer MARKETING_SMS_TOKEN): a JSON POST
 * `{to, text, clientRef}` where clientRef is the message id, so the provider can drop a retried
 * duplicate and its delivery callback (/webhooks/sms) names the message. A 4xx is the provider
 * refusing this message (bad number, blocked): permanent. A 5xx, a timeout or a network error is
 * thrown, and the dispatcher retries.
 */
@Injectable()
export class SmsAdapter implements ChannelAdapter {
  readonly channel = 'sms' as const;

  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly records: DeliveryRecords,
  ) {}

  async send(m: OutboundMessage): Promise<DeliveryReceipt> {
    const sms = this.config.sms;
    if (!sms) return { providerMessageId: null, permanentFailure: { diagnostic: 'no SMS provider configured (MARKETING_SMS_URL)' } };
    await this.records.remember(m, []);
    const res = await fetch(sms.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(sms.token ? { authorization: `Bearer ${sms.token}` } : {}) },
      body: JSON.stringify({ to: m.address, text: m.text, clientRef: m.messageId }),
      signal: AbortSignal.timeout(this.config.providerTimeoutMs),
    });
    const body = await res.text();
    if (res.status >= 400 && res.status < 500) return { providerMessageId: null, permanentFailure: { diagnostic: `${res.status} ${body.slice(0, 500)}` } };
    if (!res.ok) throw new Error(`SMS provider answered ${res.status}: ${body.slice(0, 500)}`);
    return { providerMessageId: providerId(body) ?? m.messageId };
  }
}

/** The provider's own id, when its answer is JSON with an `id` (or `messageId`). */
function providerId(body: string): string | undefined {
  try {
    const j = JSON.parse(body) as { id?: unknown; messageId?: unknown };
    const id = j.id ?? j.messageId;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}
