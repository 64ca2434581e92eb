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
  edited_at: Date | null;
  edited_by: string | null;
  deleted_at: Date | null;
  edit_history: InteractionRevisionJson[];
}

/** The columns an InteractionRow reads. */
const INTERACTION_COLUMNS = 'id, contact_id, kind, summary, body, occurred_at, actor_id, source_module, edited_at, edited_by, deleted_at, edit_history';

/** One entry of `interactions.edit_history`: who changed it when, and the values before the change. */
export interface InteractionRevisionJson {
  at: string;
  by: string;
  kind: string;
  summary: string;
  body: string | null;
  occurred_at: string;
}

export function toInteraction(r: InteractionRow): Interaction {
  return {
    id: r.id, kind: r.kind, summary: r.summary, body: r.body, occurredAt: r.occurred_at, actorId: r.actor_id, sourceModule: r.source_module,
    editedAt: r.edited_at, editedBy: r.edited_by,
    revisions: r.edit_history.map((h) => ({ editedAt: new Date(h.at), editedBy: h.by, kind: h.kind, summary: h.summary, body: h.body, occurredAt: new Date(h.occurred_at) })),
  };
}

/** Which entries of a timeline to show (empty or absent: all). */
export interface TimelineFilterValue {
  kinds?: string[] | null;
  modules?: string[] | null;
}

/** What editInteraction changes (undefined: unchanged; body null clears it). */
export interface InteractionChanges {
  kind?: string;
  summary?: string;
  body?: string | null;
  occurred_at?: Date;
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

  /**
   * A page of the contact's entries (deleted ones left out), newest first, with `sort_key` for the
   * cursors. Prepared (a customer-360 asks for it on every request): its text varies only with which
   * filters and whether a cursor are given; the columns are named, as a prepared `SELECT *` would
   * fail once a migration adds one.
   */
  async page(tx: Tx, contactId: string, page: KeysetPage, filter: TimelineFilterValue = {}): Promise<(InteractionRow & KeysetRow)[]> {
    const q = new SqlParams(tx.tenantId, contactId);
    const where = q.where([this.filterSql(q, filter), page.afterSql(q.p)]);
    return tx.prepared<InteractionRow & KeysetRow>(
      `SELECT ${INTERACTION_COLUMNS}, ${page.sortKey} AS sort_key FROM interactions WHERE ${where} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
  }

  async count(tx: Tx, contactId: string, filter: TimelineFilterValue = {}): Promise<number> {
    const q = new SqlParams(tx.tenantId, contactId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM interactions WHERE ${this.filterSql(q, filter)}`, q.values)).n;
  }

  private filterSql(q: SqlParams, f: TimelineFilterValue): string {
    return q.where([
      'tenant_id = $1',
      'contact_id = $2',
      'deleted_at IS NULL',
      f.kinds?.length && `kind = ANY(${q.p(f.kinds)}::text[])`,
      f.modules?.length && `source_module = ANY(${q.p(f.modules)}::text[])`,
    ]);
  }

  /** The entry, locked for the transaction (deleted ones too: the caller says why it cannot change). */
  async lock(tx: Tx, id: string): Promise<InteractionRow | undefined> {
    return tx.maybeOne<InteractionRow>(`SELECT * FROM interactions WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  /** Applies the changes and appends the values before them to the entry's edit history. */
  async edit(tx: Tx, id: string, changes: InteractionChanges, editedBy: string): Promise<InteractionRow> {
    const q = new SqlParams(tx.tenantId, id, editedBy);
    const sets = [
      q.set({ ...changes }),
      `edit_history = edit_history || jsonb_build_array(jsonb_build_object('at', now(), 'by', $3::text, 'kind', kind, 'summary', summary, 'body', body, 'occurred_at', occurred_at))`,
      'edited_at = now()',
      'edited_by = $3',
    ].filter(Boolean).join(', ');
    return tx.one<InteractionRow>(`UPDATE interactions SET ${sets} WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
  }

  /** Soft delete: the entry leaves the timeline; the row (and who deleted it) stays as the record of the change. */
  async markDeleted(tx: Tx, id: string, deletedBy: string): Promise<InteractionRow> {
    return tx.one<InteractionRow>(`UPDATE interactions SET deleted_at = now(), deleted_by = $3 WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id, deletedBy]);
  }
}
