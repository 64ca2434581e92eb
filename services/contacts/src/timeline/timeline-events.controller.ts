import { randomUUID } from 'node:crypto';
import { Ctx, Payload } from '@nestjs/microservices';
import { ALL_CONTRACTS, MODULES, type CloudEvent, type EventContract } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext } from '@crm/platform';
import { CAPTURE_CONTRACTS } from '../capture/capture-sources';

/**
 * Contracts of other modules that declare what the contact card shows for them. Lead captures are
 * left to LeadCaptureEvents: their entry belongs on the contact the capture lands on, which exists
 * only once the capture is applied.
 */
const TIMELINE_CONTRACTS = ALL_CONTRACTS.filter((c) => c.module !== 'contacts' && !!c.timeline && !CAPTURE_CONTRACTS.includes(c as EventContract)) as EventContract[];

/**
 * The consumer `contacts.timeline`: appends events of other modules to the contact's interaction
 * timeline (idempotent through the inbox, and a unique source_event_id), so the card shows deals,
 * tickets, points as they happen.
 */
@EventConsumer('timeline')
export class TimelineEvents {
  @OnEvent(...TIMELINE_CONTRACTS)
  async append(@Payload() event: CloudEvent, @Ctx() ctx: CrmEventContext): Promise<void> {
    const contract = TIMELINE_CONTRACTS.find((c) => c.type === event.type);
    const entry = contract?.timeline?.(event.data);
    if (!entry) return;
    const module = MODULES.find((mod) => event.type.startsWith(`crm.${mod}.`)) ?? 'unknown';
    // A merged contact's entries land on the survivor.
    // FOR SHARE: a concurrent erase or merge of this contact waits for this entry (or this waits for it).
    const target = await ctx.tx.maybeOne<{ id: string; erased_at: Date | null }>(
      `SELECT coalesce(merged_into, id) AS id, erased_at FROM contacts WHERE id = $1 FOR SHARE`,
      [entry.contactId],
    );
    if (!target || target.erased_at) return;
    await ctx.tx.query(
      `INSERT INTO interactions (id, tenant_id, contact_id, kind, summary, occurred_at, source_module, source_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [randomUUID(), event.tenantid, target.id, entry.kind, entry.summary.slice(0, 500), event.time, module, event.id],
    );
  }
}
