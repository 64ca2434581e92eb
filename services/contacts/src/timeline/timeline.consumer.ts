import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ALL_CONTRACTS, MODULES, topicName, type CloudEvent } from '@crm/events';
import { ConsumerRegistry, EventPublisher, type EventHandler, SERVICE_INFO, type ServiceInfo } from '@crm/platform';
import { Inject } from '@nestjs/common';

/**
 * The interaction timeline. Entries logged here emit interaction.logged; events of other modules
 * whose contract declares a `timeline` mapping are appended by a consumer (idempotent via the
 * inbox and a unique source_event_id), so the card shows deals, tickets, points as they happen.
 */
@Injectable()
export class TimelineService implements OnModuleInit {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  onModuleInit(): void {
    const handlers: Record<string, EventHandler> = {};
    const topics = new Set<string>();
    for (const c of ALL_CONTRACTS) {
      if (c.module === 'contacts' || !c.timeline) continue;
      const map = c.timeline;
      topics.add(topicName(c.module, this.info.topicPrefix));
      handlers[c.type] = (event, m) => this.appendFromEvent(event, m, map(event.data));
    }
    if (topics.size) this.consumers.register({ name: 'contacts.timeline', topics: [...topics], handlers });
  }

  private async appendFromEvent(event: CloudEvent, m: EntityManager, entry: { contactId: string; kind: string; summary: string } | null) {
    if (!entry) return;
    const module = MODULES.find((mod) => event.type.startsWith(`crm.${mod}.`)) ?? 'unknown';
    // A merged contact's entries land on the survivor.
    // FOR SHARE: a concurrent erase or merge of this contact waits for this entry (or this waits for it).
    const [target] = await m.query(`SELECT coalesce(merged_into, id) AS id, erased_at FROM contacts WHERE id = $1 FOR SHARE`, [entry.contactId]);
    if (!target || target.erased_at) return;
    await m.query(
      `INSERT INTO interactions (id, tenant_id, contact_id, kind, summary, occurred_at, source_module, source_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [randomUUID(), event.tenantid, target.id, entry.kind, entry.summary.slice(0, 500), event.time, module, event.id],
    );
  }
}
