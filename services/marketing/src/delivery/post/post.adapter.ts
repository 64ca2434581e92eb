import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import type { ChannelAdapter, DeliveryReceipt, OutboundMessage } from '../channel.port';
import { DeliveryRecords } from '../delivery-records';

/**
 * Post: each message becomes a letter of its campaign's print run (table letters); the batch is
 * rendered to one print-ready PDF on request (Query.letterBatch). A retried message is the same
 * letter (keyed by message id), never a second one.
 */
@Injectable()
export class PostAdapter implements ChannelAdapter {
  readonly channel = 'post' as const;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly records: DeliveryRecords,
  ) {}

  async send(m: OutboundMessage): Promise<DeliveryReceipt> {
    await this.records.remember(m, []);
    const lines = m.address.split(/\r?\n|,\s*/).map((s) => s.trim()).filter(Boolean);
    await this.uow.run(m.tenantId, (tx) =>
      tx.query(
        `INSERT INTO letters (message_id, tenant_id, campaign_id, contact_id, recipient_name, address_lines, body) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
        [m.messageId, m.tenantId, m.campaignId, m.contactId, m.recipientName, lines, m.text],
      ),
    );
    return { providerMessageId: `letter:${m.messageId}` };
  }
}
