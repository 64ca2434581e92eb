import { Injectable } from '@nestjs/common';
import { keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import { ACTIVE } from './rules/rule.compiler';
import type { Rule } from './rules/rule';

export type SegmentKindValue = 'static' | 'dynamic';

/** A segment as the module holds it (GraphQL maps it in segment.types.ts). */
export interface SegmentRecord {
  id: string;
  name: string;
  kind: SegmentKindValue;
  description: string | null;
  rule: Rule | null;
  timeRelative: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  evaluatedAt: Date | null;
}

interface SegmentRow {
  [column: string]: unknown;
  id: string; name: string; kind: SegmentKindValue; description: string | null; rule: Rule | null; time_relative: boolean;
  created_by: string; created_at: Date; updated_at: Date; evaluated_at: Date | null;
}

export function toSegment(r: SegmentRow): SegmentRecord {
  return {
    id: r.id, name: r.name, kind: r.kind, description: r.description, rule: r.rule, timeRelative: r.time_relative,
    createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, evaluatedAt: r.evaluated_at,
  };
}

export interface MemberRecord {
  contactId: string;
  addedAt: Date;
}

export interface MembershipChangeRecord {
  id: string;
  segmentId: string;
  segmentName: string;
  contactId: string;
  change: 'added' | 'removed';
  reason: string;
  changedAt: Date;
}

/** Members by when they joined, newest first (segmentMembers). */
const MEMBER_ORDER: KeysetOrder = { name: 'segment-members', key: 'm.added_at', dir: 'DESC', timestamp: true, id: 'm.contact_id' };
/** A contact's membership history, newest first. */
const CHANGE_ORDER: KeysetOrder = { name: 'segment-history', key: 'changed_at', dir: 'DESC', timestamp: true };

/** A unique-name violation, told apart so the use case can answer CONFLICT. */
export const isNameTaken = (err: unknown) => (err as { code?: string; constraint?: string })?.code === '23505' && (err as { constraint?: string }).constraint === 'segments_name';

/** The SQL of segments and their members; every method runs in the caller's tenant-bound transaction. */
@Injectable()
export class SegmentRepository {
  async insert(tx: Tx, s: { id: string; name: string; kind: SegmentKindValue; description: string | null; rule: Rule | null; timeRelative: boolean; createdBy: string }): Promise<SegmentRecord> {
    return toSegment(
      await tx.one<SegmentRow>(
        `INSERT INTO segments (tenant_id, id, name, kind, description, rule, time_relative, created_by) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING *`,
        [tx.tenantId, s.id, s.name, s.kind, s.description, s.rule ? JSON.stringify(s.rule) : null, s.timeRelative, s.createdBy],
      ),
    );
  }

  async update(tx: Tx, id: string, changes: { name?: string; description?: string | null; rule?: Rule; timeRelative?: boolean }): Promise<SegmentRecord | null> {
    const q = new SqlParams(tx.tenantId, id);
    const set = q.set({ name: changes.name, description: changes.description, time_relative: changes.timeRelative });
    const rule = changes.rule ? `, rule = ${q.p(JSON.stringify(changes.rule))}::jsonb` : '';
    const row = await tx.maybeOne<SegmentRow>(`UPDATE segments SET updated_at = now()${set ? `, ${set}` : ''}${rule} WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
    return row ? toSegment(row) : null;
  }

  async markEvaluated(tx: Tx, id: string): Promise<void> {
    await tx.query(`UPDATE segments SET evaluated_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /** Deletes the segment (its members go with it, by the foreign key); the row as it was, or null. */
  async delete(tx: Tx, id: string): Promise<SegmentRecord | null> {
    const row = await tx.maybeOne<SegmentRow>(`DELETE FROM segments WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id]);
    return row ? toSegment(row) : null;
  }

  /** Locked for the rest of the transaction (membership writes of one segment never interleave with its re-evaluation). */
  async get(tx: Tx, id: string, lock = false): Promise<SegmentRecord | null> {
    const row = await tx.maybeOne<SegmentRow>(`SELECT * FROM segments WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tx.tenantId, id]);
    return row ? toSegment(row) : null;
  }

  /** Valid UUIDs only (check with isUuid first). */
  async byIds(tx: Tx, ids: readonly string[]): Promise<SegmentRecord[]> {
    return (await tx.query<SegmentRow>(`SELECT * FROM segments WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...ids]])).map(toSegment);
  }

  /** Every segment of the tenant by name: configuration, a few hundred at most. */
  async list(tx: Tx): Promise<SegmentRecord[]> {
    return (await tx.query<SegmentRow>(`SELECT * FROM segments WHERE tenant_id = $1 ORDER BY lower(name), id`, [tx.tenantId])).map(toSegment);
  }

  async dynamic(tx: Tx, onlyTimeRelative = false): Promise<SegmentRecord[]> {
    return (
      await tx.query<SegmentRow>(`SELECT * FROM segments WHERE tenant_id = $1 AND kind = 'dynamic'${onlyTimeRelative ? ' AND time_relative' : ''} ORDER BY id`, [tx.tenantId])
    ).map(toSegment);
  }

  /** Current members that are active contacts (a static list keeps an archived contact's row; it counts again once restored). */
  async sizes(tx: Tx, ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await tx.query<{ segment_id: string; n: number }>(
      `SELECT m.segment_id, count(*)::int AS n FROM segment_members m JOIN contact_replica r ON r.tenant_id = m.tenant_id AND r.contact_id = m.contact_id
       WHERE m.tenant_id = $1 AND m.segment_id = ANY($2::uuid[]) AND ${ACTIVE} GROUP BY m.segment_id`,
      [tx.tenantId, [...ids]],
    );
    return new Map(rows.map((r) => [r.segment_id, r.n]));
  }

  async members(tx: Tx, segmentId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<MemberRecord>> {
    const page = keysetPage(MEMBER_ORDER, args);
    const q = new SqlParams(tx.tenantId, segmentId);
    const from = `segment_members m JOIN contact_replica r ON r.tenant_id = m.tenant_id AND r.contact_id = m.contact_id`;
    const where = `m.tenant_id = $1 AND m.segment_id = $2 AND ${ACTIVE}`;
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<Record<string, unknown> & { contact_id: string; added_at: Date } & KeysetRow>(
      `SELECT m.contact_id, m.added_at, m.contact_id AS id, ${page.sortKey} AS sort_key FROM ${from} WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map((x) => ({ contactId: x.contact_id, addedAt: x.added_at })), n);
  }

  /** The segments each contact is in now (Contact.segments, one query per batch). */
  async ofContacts(tx: Tx, contactIds: readonly string[]): Promise<Map<string, SegmentRecord[]>> {
    const rows = await tx.prepared<SegmentRow & { member: string }>(
      `SELECT s.*, m.contact_id AS member FROM segment_members m JOIN segments s ON s.tenant_id = m.tenant_id AND s.id = m.segment_id
       JOIN contact_replica r ON r.tenant_id = m.tenant_id AND r.contact_id = m.contact_id
       WHERE m.tenant_id = $1 AND m.contact_id = ANY($2::uuid[]) AND ${ACTIVE} ORDER BY lower(s.name), s.id`,
      [tx.tenantId, [...contactIds]],
    );
    const out = new Map<string, SegmentRecord[]>();
    for (const r of rows) out.set(r.member, [...(out.get(r.member) ?? []), toSegment(r)]);
    return out;
  }

  async history(tx: Tx, contactId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<MembershipChangeRecord>> {
    const page = keysetPage(CHANGE_ORDER, args);
    const q = new SqlParams(tx.tenantId, contactId);
    const where = `tenant_id = $1 AND contact_id = $2`;
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<Record<string, unknown> & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM segment_membership_changes WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM segment_membership_changes WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (rs) =>
      rs.map((r) => ({
        id: r.id as string, segmentId: r.segment_id as string, segmentName: r.segment_name as string, contactId: r.contact_id as string,
        change: r.change as 'added' | 'removed', reason: r.reason as string, changedAt: r.changed_at as Date,
      })),
      n,
    );
  }
}
