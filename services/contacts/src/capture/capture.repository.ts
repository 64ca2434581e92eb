import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';

/** The SQL of applying a lead capture that the contact repository does not already have. */
@Injectable()
export class CaptureRepository {
  /** The live company of that name (case-insensitive), created when there is none; `created` says which. */
  async companyNamed(tx: Tx, name: string): Promise<{ id: string; name: string; domains: string[]; version: number; created: boolean }> {
    const find = () =>
      tx.maybeOne<{ id: string; name: string; domains: string[]; version: number }>(
        `SELECT id, name, domains, version FROM companies WHERE tenant_id = $1 AND lower(name) = lower($2) AND merged_into IS NULL`,
        [tx.tenantId, name],
      );
    const existing = await find();
    if (existing) return { ...existing, created: false };
    const created = await tx.maybeOne<{ id: string; name: string; domains: string[]; version: number }>(
      `INSERT INTO companies (id, tenant_id, name) VALUES (gen_random_uuid(), $1, $2) ON CONFLICT DO NOTHING RETURNING id, name, domains, version`,
      [tx.tenantId, name],
    );
    if (created) return { ...created, created: true };
    // Created by a concurrent transaction between the two statements.
    return { ...(await find())!, created: false };
  }

  /** Whether this event already left a trace here (an inbox purged by retention must not make it apply twice). */
  async applied(tx: Tx, eventId: string): Promise<boolean> {
    return !!(await tx.maybeOne(
      `SELECT 1 FROM consent_history WHERE tenant_id = $1 AND source_event_id = $2
       UNION ALL SELECT 1 FROM interactions WHERE tenant_id = $1 AND source_event_id = $2 LIMIT 1`,
      [tx.tenantId, eventId],
    ));
  }

  /** The capture on the contact's timeline, once per event. */
  async appendTimeline(tx: Tx, e: { contactId: string; kind: string; summary: string; occurredAt: string; module: string; eventId: string }): Promise<void> {
    await tx.query(
      `INSERT INTO interactions (id, tenant_id, contact_id, kind, summary, occurred_at, source_module, source_event_id)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [tx.tenantId, e.contactId, e.kind, e.summary.slice(0, 500), e.occurredAt, e.module, e.eventId],
    );
  }
}
