import { Injectable } from '@nestjs/common';
import { SqlParams, type Tx } from '@crm/platform';
import { ContactReplica, type ReachabilityInput } from '@crm/shared-contacts';
import { contactLockSql, FactsRepository } from '../behaviour/facts.repository';
import { SegmentRepository, toSegment, type SegmentRecord } from './segment.repository';
import { ACTIVE, compileRule, MEMBER_FROM } from './rules/rule.compiler';
import type { Rule } from './rules/rule';

/**
 * Whether the replica marks the contact erased or merged away: read only where such a contact's rows
 * must go (activityChanged), not for every contact event.
 */
const ERASED_OR_MERGED = `, (SELECT json_build_object('erased', r.erased_at IS NOT NULL, 'mergedInto', r.merged_into) FROM contact_replica r WHERE r.tenant_id = $1 AND r.contact_id = $2::uuid) AS replica`;

/** Merges followed by activityChanged (the replica re-points earlier merges, so one is the rule; beyond this, a cycle). */
const MAX_MERGE_HOPS = 5;

/** Why a membership changed, kept in segment_membership_changes.reason. */
export type ChangeReason = 'rule' | 'sweep' | 'list' | 'import' | 'merge';

/**
 * Keeps `segment_members` of dynamic segments equal to their rules, incrementally:
 * - a contact changed (its replica row: `contactChanged`; its activity: `activityChanged`; anything
 *   else: `evaluateContact`): THAT contact is evaluated against every dynamic segment of the tenant
 *   in one statement (`WHERE contact_id = $2`, each rule one boolean column), diffed with its
 *   current memberships and only the difference written, each change logged;
 * - a segment created or its rule changed, or the periodic sweep of time-relative rules:
 *   `evaluateSegment`, set-based (one INSERT … SELECT and one DELETE, logged in the same statement).
 * Plain SQL on the caller's Tx: the contact replica's hooks (built outside Nest's module graph) use it too.
 */
@Injectable()
export class SegmentMembership {
  constructor(
    private readonly segments: SegmentRepository = new SegmentRepository(),
    private readonly facts: FactsRepository = new FactsRepository(),
    private readonly replica: ContactReplica = new ContactReplica(),
  ) {}

  /**
   * The replica row changed: refresh what facts derive from it (reachable channel, consent), then
   * membership. `applied`: the snapshot the caller just applied to the replica (saves reading it back).
   */
  async contactChanged(tx: Tx, contactId: string, applied?: ReachabilityInput): Promise<void> {
    let c: ReachabilityInput | null = applied ?? null;
    if (!c) {
      const [r] = await this.replica.getMany(tx, tx.tenantId, [contactId]);
      // getMany follows merges: a merged-away id answers its survivor. A late event of a contact merged
      // away or erased has nothing to derive: its rows went with the merge or the erasure.
      if (r && (r.contactId !== contactId || r.erasedAt)) return;
      c = r ?? null;
    }
    // One round trip: the derived columns written (only this consumer writes them), the lock taken, the segments read.
    const q = new SqlParams(tx.tenantId, contactId);
    const { dynamic } = await this.lockAndDynamic(tx, contactId, { cte: `, derived AS (${FactsRepository.derivedUpsertSql(q.p, c)} RETURNING 1)` }, q);
    await this.evaluateLocked(tx, contactId, dynamic, 'rule');
  }

  /**
   * The contact's activity changed: its aggregates recomputed in the same round trip as the
   * segments' read, then membership. The contact's lock must come from an EARLIER statement of the
   * transaction (lockAndRecord, lockContact): the lock this statement takes again comes after its
   * snapshot, so it could not keep a concurrent event's row out of the count. An event that was in
   * flight when the person was erased (read here, after the lock: the erasure takes it too) leaves
   * nothing of them behind.
   */
  async activityChanged(tx: Tx, contactId: string, hops = 0): Promise<void> {
    const { dynamic, erased, mergedInto } = await this.lockAndDynamic(tx, contactId, { cte: `, aggregates AS (${FactsRepository.AGGREGATES_SQL} RETURNING 1)`, select: ERASED_OR_MERGED });
    if (erased) return this.facts.deleteOfContact(tx, contactId);
    if (mergedInto) {
      // This many hops is a cycle in the replica (one merge is followed, a few while merges race): under
      // any of its ids the activity would count for no one, so the event fails — retried, then
      // dead-lettered, visible — instead of being recorded under a merged-away id in silence.
      if (hops >= MAX_MERGE_HOPS) throw new Error(`contact ${contactId}: its merges form a cycle (${MAX_MERGE_HOPS} followed); its activity counts for no one until the contact replica is repaired`);
      // Merged while the event waited for this contact's lock: its activity follows the merge's. The
      // survivor's lock is taken while this one is held; only an erasure of the survivor (which locks
      // both, sorted) could wait the other way, a deadlock Postgres breaks and the consumer retries.
      await this.facts.lockContact(tx, mergedInto);
      await this.facts.moveContact(tx, contactId, mergedInto);
      return this.activityChanged(tx, mergedInto, hops + 1);
    }
    await this.evaluateLocked(tx, contactId, dynamic, 'rule');
  }

  /** Re-evaluates one contact against every dynamic segment; returns the changes written. */
  async evaluateContact(tx: Tx, contactId: string, reason: ChangeReason = 'rule'): Promise<{ added: string[]; removed: string[] }> {
    return this.evaluateLocked(tx, contactId, (await this.lockAndDynamic(tx, contactId)).dynamic, reason);
  }

  /**
   * The contact's lock (FactsRepository.lockContact) and the tenant's dynamic segments, in one round
   * trip; `also.cte` writes in the same statement, `also.select` reads more (the replica's `erased` and `mergedInto`).
   */
  private async lockAndDynamic(
    tx: Tx,
    contactId: string,
    also: { cte?: string; select?: string } = {},
    q = new SqlParams(tx.tenantId, contactId),
  ): Promise<{ dynamic: SegmentRecord[]; erased: boolean; mergedInto: string | null }> {
    // Prepared (three fixed texts: alone, with the derived upsert, with the aggregates): run for every contact event.
    const [row] = await tx.prepared<{ segments: Parameters<typeof toSegment>[0][] | null; replica?: { erased: boolean; mergedInto: string | null } | null }>(
      `WITH locked AS (SELECT ${contactLockSql('$2::uuid::text')} IS NULL AS l)${also.cte ?? ''}
       SELECT (SELECT count(*) FROM locked) AS locked${also.select ?? ''},
              (SELECT json_agg(s ORDER BY s.id) FROM segments s WHERE s.tenant_id = $1 AND s.kind = 'dynamic') AS segments`,
      q.values,
    );
    const dynamic = (row.segments ?? []).map((s) => toSegment({ ...s, created_at: new Date(s.created_at as unknown as string), updated_at: new Date(s.updated_at as unknown as string) }));
    return { dynamic, erased: row.replica?.erased === true, mergedInto: row.replica?.mergedInto ?? null };
  }

  /**
   * One statement evaluates every rule for the contact and reads its current memberships; only a
   * difference is written (most contact updates change no membership: one read, no write).
   */
  private async evaluateLocked(tx: Tx, contactId: string, dynamic: SegmentRecord[], reason: ChangeReason): Promise<{ added: string[]; removed: string[] }> {
    if (!dynamic.length) return { added: [], removed: [] };
    const q = new SqlParams(tx.tenantId, contactId);
    const flags = dynamic.map((s) => `(${compileRule(s.rule!, q.p, '$1')}) IS TRUE`);
    const row = await tx.maybeOne<{ m: boolean[]; current: string[] }>(
      `SELECT ARRAY[${flags.join(', ')}] AS m,
              ARRAY(SELECT sm.segment_id FROM segment_members sm WHERE sm.tenant_id = $1 AND sm.contact_id = $2) AS current
       FROM ${MEMBER_FROM} WHERE r.tenant_id = $1 AND r.contact_id = $2 AND ${ACTIVE}`,
      q.values,
    );
    const want = dynamic.filter((_, i) => row?.m[i] === true).map((s) => s.id);
    if (row) {
      const current = new Set(row.current);
      const has = dynamic.filter((s) => current.has(s.id)).map((s) => s.id);
      if (has.length === want.length && want.every((id) => current.has(id))) return { added: [], removed: [] };
    }
    return this.applyContactDiff(tx, contactId, dynamic, want, reason);
  }

  /** Writes the difference between `want` and the contact's current memberships among `scope` (one statement). */
  private async applyContactDiff(tx: Tx, contactId: string, scope: SegmentRecord[], want: string[], reason: ChangeReason) {
    const rows = await tx.query<{ change: 'added' | 'removed'; segment_id: string }>(
      `WITH scope AS (SELECT * FROM unnest($3::uuid[], $4::text[]) AS s(id, name)),
       added AS (
         INSERT INTO segment_members (tenant_id, segment_id, contact_id) SELECT $1, id, $2 FROM unnest($5::uuid[]) AS w(id)
         ON CONFLICT DO NOTHING RETURNING segment_id),
       removed AS (
         DELETE FROM segment_members m WHERE m.tenant_id = $1 AND m.contact_id = $2 AND m.segment_id IN (SELECT id FROM scope) AND NOT (m.segment_id = ANY($5::uuid[]))
         RETURNING segment_id),
       changes AS (SELECT 'added' AS change, segment_id FROM added UNION ALL SELECT 'removed', segment_id FROM removed),
       logged AS (
         INSERT INTO segment_membership_changes (tenant_id, segment_id, segment_name, contact_id, change, reason)
         SELECT $1, c.segment_id, s.name, $2, c.change, $6 FROM changes c JOIN scope s ON s.id = c.segment_id)
       SELECT change, segment_id FROM changes`,
      [tx.tenantId, contactId, scope.map((s) => s.id), scope.map((s) => s.name), want, reason],
    );
    return { added: rows.filter((r) => r.change === 'added').map((r) => r.segment_id), removed: rows.filter((r) => r.change === 'removed').map((r) => r.segment_id) };
  }

  /** Set-based: the segment's members become exactly the contacts its rule selects now. */
  async evaluateSegment(tx: Tx, segment: SegmentRecord, reason: ChangeReason = 'rule'): Promise<{ added: number; removed: number }> {
    const q = new SqlParams(tx.tenantId, segment.id, segment.name, reason);
    const predicate = compileRule(segment.rule!, q.p, '$1');
    const [r] = await tx.query<{ added: number; removed: number }>(
      `WITH matched AS (SELECT r.contact_id FROM ${MEMBER_FROM} WHERE r.tenant_id = $1 AND ${ACTIVE} AND (${predicate}) IS TRUE),
       added AS (
         INSERT INTO segment_members (tenant_id, segment_id, contact_id) SELECT $1, $2, contact_id FROM matched
         ON CONFLICT DO NOTHING RETURNING contact_id),
       removed AS (
         DELETE FROM segment_members m WHERE m.tenant_id = $1 AND m.segment_id = $2 AND NOT EXISTS (SELECT 1 FROM matched x WHERE x.contact_id = m.contact_id)
         RETURNING contact_id),
       logged AS (
         INSERT INTO segment_membership_changes (tenant_id, segment_id, segment_name, contact_id, change, reason)
         SELECT $1, $2, $3, contact_id, 'added', $4 FROM added UNION ALL SELECT $1, $2, $3, contact_id, 'removed', $4 FROM removed)
       SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM removed)::int AS removed`,
      q.values,
    );
    await this.segments.markEvaluated(tx, segment.id);
    return r;
  }

  /** Size and first contacts of a rule not saved yet (previewSegment): the same predicate, nothing written. */
  async preview(tx: Tx, rule: Rule, limit: number): Promise<{ size: number; contactIds: string[] }> {
    const q = new SqlParams(tx.tenantId);
    const predicate = compileRule(rule, q.p, '$1');
    const where = `r.tenant_id = $1 AND ${ACTIVE} AND (${predicate}) IS TRUE`;
    const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${MEMBER_FROM} WHERE ${where}`, q.values);
    const rows = await tx.query<{ contact_id: string }>(`SELECT r.contact_id FROM ${MEMBER_FROM} WHERE ${where} ORDER BY r.display_name, r.contact_id LIMIT ${q.p(limit)}`, q.values);
    return { size: n, contactIds: rows.map((r) => r.contact_id) };
  }

  /** Static list: adds the contacts (already members are left as they are); returns the ids added. */
  async addToList(tx: Tx, segment: SegmentRecord, contactIds: readonly string[], reason: ChangeReason): Promise<string[]> {
    const rows = await tx.query<{ contact_id: string }>(
      `WITH added AS (
         INSERT INTO segment_members (tenant_id, segment_id, contact_id) SELECT $1, $2, id FROM unnest($3::uuid[]) AS u(id)
         ON CONFLICT DO NOTHING RETURNING contact_id),
       logged AS (INSERT INTO segment_membership_changes (tenant_id, segment_id, segment_name, contact_id, change, reason) SELECT $1, $2, $4, contact_id, 'added', $5 FROM added)
       SELECT contact_id FROM added`,
      [tx.tenantId, segment.id, [...new Set(contactIds)], segment.name, reason],
    );
    return rows.map((r) => r.contact_id);
  }

  async removeFromList(tx: Tx, segment: SegmentRecord, contactIds: readonly string[], reason: ChangeReason): Promise<string[]> {
    const rows = await tx.query<{ contact_id: string }>(
      `WITH removed AS (DELETE FROM segment_members WHERE tenant_id = $1 AND segment_id = $2 AND contact_id = ANY($3::uuid[]) RETURNING contact_id),
       logged AS (INSERT INTO segment_membership_changes (tenant_id, segment_id, segment_name, contact_id, change, reason) SELECT $1, $2, $4, contact_id, 'removed', $5 FROM removed)
       SELECT contact_id FROM removed`,
      [tx.tenantId, segment.id, [...new Set(contactIds)], segment.name, reason],
    );
    return rows.map((r) => r.contact_id);
  }

  /**
   * A merge: the duplicate's static-list memberships and behaviour go to the survivor; then both are
   * re-evaluated (the duplicate, merged away, leaves every dynamic segment).
   */
  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await this.facts.lockContacts(tx, [duplicateId, survivorId]);
    const lists = await tx.query<{ id: string; name: string }>(
      `SELECT s.id, s.name FROM segment_members m JOIN segments s ON s.tenant_id = m.tenant_id AND s.id = m.segment_id
       WHERE m.tenant_id = $1 AND m.contact_id = $2 AND s.kind = 'static'`,
      [tx.tenantId, duplicateId],
    );
    for (const l of lists) {
      const seg = { id: l.id, name: l.name } as SegmentRecord;
      await this.addToList(tx, seg, [survivorId], 'merge');
      await this.removeFromList(tx, seg, [duplicateId], 'merge');
    }
    await this.facts.moveContact(tx, duplicateId, survivorId);
    await this.facts.refreshAggregates(tx, survivorId);
    await this.evaluateContact(tx, duplicateId, 'merge');
    await this.contactChanged(tx, survivorId);
  }

  /** An erasure: every row about the person here goes (memberships, their history, facts, activity). */
  async onErase(tx: Tx, contactId: string): Promise<void> {
    // The same person under the ids merged into this one (their history stayed under those ids).
    const merged = await tx.query<{ contact_id: string }>(`SELECT contact_id FROM contact_replica WHERE tenant_id = $1 AND merged_into = $2`, [tx.tenantId, contactId]);
    const ids = [contactId, ...merged.map((m) => m.contact_id)];
    await this.facts.lockContacts(tx, ids);
    await tx.query(`DELETE FROM segment_members WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tx.tenantId, ids]);
    await tx.query(`DELETE FROM segment_membership_changes WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tx.tenantId, ids]);
    for (const id of ids) await this.facts.deleteOfContact(tx, id);
  }

  /** Every dynamic segment of the tenant, set-based (a data source became known: rules over it now have answers). */
  async evaluateAll(tx: Tx, reason: ChangeReason = 'rule'): Promise<void> {
    for (const s of await this.segments.dynamic(tx)) await this.evaluateSegment(tx, s, reason);
  }
}
