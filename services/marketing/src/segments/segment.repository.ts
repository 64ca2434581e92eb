import { Injectable } from '@nestjs/common';
import { keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import type { Segment } from './segment.types';

/** A segments row. */
export interface SegmentRow {
  [column: string]: unknown;
  id: string; tenant_id: string; contact_id: string; name: string; created_by: string; created_at: Date;
}

export function toSegment(r: SegmentRow): Segment {
  return { id: r.id, name: r.name, contactId: r.contact_id, createdBy: r.created_by, createdAt: r.created_at };
}

export interface NewSegment {
  id: string; name: string; contactId: string; createdBy: string;
}

export interface SegmentListFilter {
  contactId?: string | null;
}

/** Segments newest first (Query.segments and Contact.marketingSegments). */
const ORDER: KeysetOrder = { name: 'segments', key: 'created_at', dir: 'DESC', timestamp: true };

/** The SQL of segments; every method runs in the caller's tenant-bound transaction. */
@Injectable()
export class SegmentRepository {
  async insert(tx: Tx, i: NewSegment): Promise<Segment> {
    return toSegment(
      await tx.one<SegmentRow>(`INSERT INTO segments (id, tenant_id, contact_id, name, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`, [
        i.id, tx.tenantId, i.contactId, i.name, i.createdBy,
      ]),
    );
  }

  /** Valid UUIDs only (check with isUuid first). */
  async byIds(tx: Tx, ids: readonly string[]): Promise<Segment[]> {
    return (await tx.query<SegmentRow>(`SELECT * FROM segments WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...ids]])).map(toSegment);
  }

  async list(tx: Tx, f: SegmentListFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Segment>> {
    const page = keysetPage(ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where(['tenant_id = $1', f.contactId && `contact_id = ${q.p(f.contactId)}`]);
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<SegmentRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM segments WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM segments WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toSegment), n);
  }

  /** One page of each contact's segments in one query (Contact.marketingSegments, batched by the gateway's _entities call). */
  async pageByContacts(tx: Tx, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Segment>[]> {
    const page = keysetPage(ORDER, args);
    const ids = [...new Set(contactIds)];
    const q = new SqlParams(tx.tenantId, ids);
    const sql = page.perParentSql({ columns: '*', from: 'segments', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[])', partitionBy: 'contact_id' }, q.p);
    const rows = await tx.query<SegmentRow & KeysetRow>(sql, q.values);
    const counts = withTotal
      ? await tx.query<{ contact_id: string; n: number }>(`SELECT contact_id, count(*)::int AS n FROM segments WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) GROUP BY contact_id`, [tx.tenantId, ids])
      : [];
    return Promise.all(
      contactIds.map((c) =>
        page.connection(
          rows.filter((r) => r.contact_id === c),
          (r) => r.map(toSegment),
          withTotal ? (counts.find((x) => x.contact_id === c)?.n ?? 0) : null,
        ),
      ),
    );
  }

  /** A merge: the duplicate's segments now belong to the survivor. */
  async moveContact(tx: Tx, fromContactId: string, toContactId: string): Promise<void> {
    await tx.query(`UPDATE segments SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, fromContactId, toContactId]);
  }

  /** An erasure: the person's segments leave this module. */
  async deleteOfContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(`DELETE FROM segments WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
  }
}
