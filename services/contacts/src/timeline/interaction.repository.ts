import { Injectable } from '@nestjs/common';
import { SqlParams, type KeysetPage, type KeysetRow, type Row, type Tx } from '@crm/platform';
import type { Interaction } from './timeline.types';

export interface InteractionRow extends Row {
  id: string;
  contact_id: string;
  kind: string;
  summary: string;
  body: string | null;
  occurred_at: Date;
  actor_id: string | null;
  source_module: string;
}

export function toInteraction(r: InteractionRow): Interaction {
  return { id: r.id, kind: r.kind, summary: r.summary, body: r.body, occurredAt: r.occurred_at, actorId: r.actor_id, sourceModule: r.source_module };
}

/** The contact an entry is logged on, as it is now (a merged contact's entries land on the survivor). */
export interface TimelineTarget extends Row {
  id: string;
  merged_into: string | null;
  erased_at: Date | null;
}

/** SQL of the interaction timeline (entries logged here; the consumer appends those of other modules). */
@Injectable()
export class InteractionRepository {
  /** FOR SHARE: a concurrent erase or merge of this contact waits for the entry (or the entry waits for it). */
  async lockTarget(tx: Tx, contactId: string): Promise<TimelineTarget | undefined> {
    return tx.maybeOne<TimelineTarget>(`SELECT id, merged_into, erased_at FROM contacts WHERE tenant_id = $1 AND id = $2 FOR SHARE`, [tx.tenantId, contactId]);
  }

  async insert(tx: Tx, e: { id: string; contactId: string; kind: string; summary: string; body: string | null; occurredAt: Date; actorId: string }): Promise<InteractionRow> {
    return tx.one<InteractionRow>(
      `INSERT INTO interactions (id, tenant_id, contact_id, kind, summary, body, occurred_at, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [e.id, tx.tenantId, e.contactId, e.kind, e.summary, e.body, e.occurredAt, e.actorId],
    );
  }

  /** A page of the contact's entries, newest first, with `sort_key` for the cursors. */
  async page(tx: Tx, contactId: string, page: KeysetPage): Promise<(InteractionRow & KeysetRow)[]> {
    const q = new SqlParams(tx.tenantId, contactId);
    const where = q.where(['tenant_id = $1', 'contact_id = $2', page.afterSql(q.p)]);
    return tx.query<InteractionRow & KeysetRow>(`SELECT *, ${page.sortKey} AS sort_key FROM interactions WHERE ${where} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`, q.values);
  }

  async count(tx: Tx, contactId: string): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM interactions WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId])).n;
  }
}
