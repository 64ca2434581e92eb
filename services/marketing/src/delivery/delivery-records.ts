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

  private pending = new Map<string, { rows: { m: OutboundMessage; links: string[] }[]; done: Promise<void> }>();

  /**
   * Before the hand-over: the message's tracked links and references. A retry of the same message
   * renders the same links and overwrites them; the tokens already out keep pointing at the same indexes.
   * Concurrent sends of one tenant within the same event-loop turn share one multi-row INSERT (one
   * transaction instead of one each: dispatch runs many sends at once). Call it outside any unit of
   * work (an adapter runs between the dispatcher's transactions).
   */
  remember(m: OutboundMessage, links: string[]): Promise<void> {
    let batch = this.pending.get(m.tenantId);
    if (!batch) {
      const rows: { m: OutboundMessage; links: string[] }[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending.delete(m.tenantId);
        return this.insert(m.tenantId, rows);
      });
      batch = { rows, done };
      this.pending.set(m.tenantId, batch);
    }
    batch.rows.push({ m, links });
    return batch.done;
  }

  private async insert(tenantId: string, rows: { m: OutboundMessage; links: string[] }[]): Promise<void> {
    // Last write wins when one batch holds the same message twice (a retry racing its first attempt).
    const byId = new Map(rows.map((r) => [r.m.messageId, r]));
    const list = [...byId.values()];
    const col = <T>(f: (r: { m: OutboundMessage; links: string[] }) => T) => list.map(f);
    await this.uow.run(tenantId, (tx) =>
      tx.query(
        `INSERT INTO delivery_messages (message_id, tenant_id, campaign_id, campaign_name, contact_id, channel, variant, address, links)
         SELECT u.message_id, $1, u.campaign_id, u.campaign_name, u.contact_id, u.channel, u.variant, u.address, ARRAY(SELECT jsonb_array_elements_text(u.links))
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
           AS u(message_id, campaign_id, campaign_name, contact_id, channel, variant, address, links)
         ON CONFLICT (message_id) DO UPDATE SET links = EXCLUDED.links, address = EXCLUDED.address`,
        [
          tenantId,
          col((r) => r.m.messageId),
          col((r) => r.m.campaignId),
          col((r) => r.m.campaignName),
          col((r) => r.m.contactId),
          col((r) => r.m.channel),
          col((r) => r.m.variant),
          col((r) => r.m.address),
          col((r) => JSON.stringify(r.links)),
        ],
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
