import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import type { ChannelAdapter, DeliveryReceipt, OutboundMessage } from '../channel.port';
import { DeliveryRecords } from '../delivery-records';

/**
 * Phone: each message becomes a call task on the campaign's call list (table call_tasks, in
 * marketing) with the call script; agents work it through Query.callTasks and
 * Mutation.completeCallTask. Sales' tasks are not written: a service writes only its own facts.
 */
@Injectable()
export class PhoneAdapter implements ChannelAdapter {
  readonly channel = 'phone' as const;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly records: DeliveryRecords,
  ) {}

  async send(m: OutboundMessage): Promise<DeliveryReceipt> {
    await this.records.remember(m, []);
    await this.uow.run(m.tenantId, (tx) =>
      tx.query(
        `INSERT INTO call_tasks (id, tenant_id, campaign_id, campaign_name, contact_id, recipient_name, phone, script) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [m.messageId, m.tenantId, m.campaignId, m.campaignName, m.contactId, m.recipientName, m.address, m.text],
      ),
    );
    return { providerMessageId: `call:${m.messageId}` };
  }
}
