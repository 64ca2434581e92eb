import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid, UnitOfWork } from '@crm/platform';
import type { OutboundMessage } from './channel.port';

/** What delivery keeps of each message it hands over (delivery_messages). */
@Injectable()
export class DeliveryRecords {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly ds: DataSource,
  ) {}

  /**
   * Before the hand-over: the message's tracked links and references. A retry of the same message
   * renders the same links and overwrites them; the tokens already out keep pointing at the same indexes.
   * Call it outside any unit of work (an adapter runs between the dispatcher's transactions).
   */
  async remember(m: OutboundMessage, links: string[]): Promise<void> {
    await this.uow.run(m.tenantId, (tx) =>
      tx.query(
        `INSERT INTO delivery_messages (message_id, tenant_id, campaign_id, campaign_name, contact_id, channel, variant, address, links)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (message_id) DO UPDATE SET links = EXCLUDED.links, address = EXCLUDED.address`,
        [m.messageId, m.tenantId, m.campaignId, m.campaignName, m.contactId, m.channel, m.variant, m.address, links],
      ),
    );
  }

  /**
   * The tenants of messages known only by id (provider callbacks, the mail catcher): a plain pool
   * connection, no tenant bound, which the table's cross-tenant policy lets read every tenant's rows.
   */
  async tenantsOf(messageIds: string[]): Promise<Map<string, string>> {
    const ids = [...new Set(messageIds.filter(isUuid))];
    if (!ids.length) return new Map();
    const rows: { message_id: string; tenant_id: string }[] = await this.ds.query(`SELECT message_id, tenant_id FROM delivery_messages WHERE message_id = ANY($1::uuid[])`, [ids]);
    return new Map(rows.map((r) => [r.message_id, r.tenant_id]));
  }
}

/** Our message id inside a Message-ID (<uuid@domain>) or a bare id; undefined if there is none. */
export function messageIdOf(ref: string | undefined | null): string | undefined {
  const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(ref ?? '');
  return m?.[1].toLowerCase();
}
