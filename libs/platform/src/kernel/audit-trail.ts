import { Directive, Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';
import { GraphQLISODateTime } from '@nestjs/graphql';
import { z } from 'zod';
import { invalidField } from '../errors';
import { parseInput } from './input';
import { keysetPage, type ConnectionValue, type KeysetArgs } from '../pagination';
import { SqlParams } from './sql-builder';
import type { Tx } from './tx';
import { PageInfoType } from './connection';

/**
 * Reading and erasing the audit trail a module's triggers write (db/audit.ts). Every module has its
 * own `audit_log`; these run in the caller's tenant transaction (row-level security applies).
 */

export interface AuditFieldChangeValue {
  field: string;
  /** JSON of the value before (null: none, or erased). */
  old: string | null;
  new: string | null;
  /** The value was personal data of an erased contact and is gone; that the field changed stays. */
  erased: boolean;
}

export interface AuditEntryValue {
  id: string;
  occurredAt: Date;
  actorId: string;
  entity: string;
  entityId: string;
  action: string;
  changes: AuditFieldChangeValue[];
}

type AuditRow = {
  id: string;
  sort_key: string;
  occurred_at: Date;
  actor_id: string;
  entity: string;
  entity_id: string;
  action: string;
  changes: Record<string, { old?: unknown; new?: unknown; erased?: boolean }>;
};

export interface AuditFilter {
  entity?: string | null;
  entityId?: string | null;
  userId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const ORDER = { name: 'audit', key: 'occurred_at', dir: 'DESC', timestamp: true } as const;

function present(r: AuditRow): AuditEntryValue {
  return {
    id: r.id,
    occurredAt: r.occurred_at,
    actorId: r.actor_id,
    entity: r.entity,
    entityId: r.entity_id,
    action: r.action,
    changes: Object.keys(r.changes)
      .sort()
      .map((field) => {
        const c = r.changes[field];
        if (c.erased) return { field, old: null, new: null, erased: true };
        return { field, old: c.old === null || c.old === undefined ? null : JSON.stringify(c.old), new: c.new === null || c.new === undefined ? null : JSON.stringify(c.new), erased: false };
      }),
  };
}

const AUDIT_PERIOD = z.object({ from: z.date({ error: 'not a valid time' }).nullish(), to: z.date({ error: 'not a valid time' }).nullish() });

/** A page of audit entries, newest first, matching the filter (an entity's history, a user's or a period's changes). */
export async function auditPage(tx: Tx, filter: AuditFilter, args: KeysetArgs, withCount: boolean): Promise<ConnectionValue<AuditEntryValue>> {
  // DateTime parses any string into a Date: an unparseable one is an Invalid Date, not an error.
  parseInput(AUDIT_PERIOD, { from: filter.from, to: filter.to }, 'filter');
  if (filter.from && filter.to && filter.from > filter.to) throw invalidField('filter.to', 'must not be before from');
  const page = keysetPage(ORDER, args);
  const q = new SqlParams(tx.tenantId);
  const conditions = [
    'tenant_id = $1',
    filter.entity ? `entity = ${q.p(filter.entity)}` : null,
    filter.entityId ? `entity_id = ${q.p(filter.entityId)}` : null,
    filter.userId ? `actor_id = ${q.p(filter.userId)}` : null,
    filter.from ? `occurred_at >= ${q.p(filter.from)}` : null,
    filter.to ? `occurred_at < ${q.p(filter.to)}` : null,
  ];
  const where = q.where(conditions);
  const countValues = q.snapshot();
  const after = page.afterSql(q.p);
  const rows = await tx.query<AuditRow>(
    `SELECT id, occurred_at, actor_id, entity, entity_id, action, changes, ${page.sortKey} AS sort_key FROM audit_log
      WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
    q.values,
  );
  const total = withCount ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`, countValues)).n : null;
  return page.connection(rows, (r) => r.map(present), total);
}

/**
 * GDPR erasure: the old and new values of every entry about these contacts (entries whose row named
 * them: the contact itself, its consents, timeline entries, deals, messages…) become AUDIT_ERASED.
 * Who changed which field of which entity when stays; an entity id that is itself personal data (an
 * email address) becomes an opaque `erased-<md5>`. Call it last in the erasure's transaction:
 * the erasure's own writes are audited too, with the values they removed.
 */
export async function scrubAuditOfContacts(tx: Tx, contactIds: string[]): Promise<number> {
  if (!contactIds.length) return 0;
  const rows = await tx.query(
    `UPDATE audit_log SET erased_at = now(), entity_id = CASE WHEN personal_key THEN 'erased-' || md5(entity_id) ELSE entity_id END,
            changes = (SELECT coalesce(jsonb_object_agg(k, '{"erased": true}'::jsonb), '{}'::jsonb) FROM jsonb_object_keys(changes) k)
      WHERE tenant_id = $1 AND contact_id = ANY($2::text[]) AND erased_at IS NULL
      RETURNING 1`,
    [tx.tenantId, contactIds],
  );
  return rows.length;
}

export interface AuditTypes {
  AuditEntry: Type<AuditEntryValue>;
  AuditEntryConnection: Type<ConnectionValue<AuditEntryValue>>;
  AuditFilterInput: Type<AuditFilter>;
}

const byScope = new Map<Function, AuditTypes>();

/**
 * The GraphQL audit types in a module's schema scope. Every module declares the same shapes, so they
 * are `@shareable` value types (as PageInfo): `Contact.history` from contacts and `Deal.history`
 * from sales return the same `AuditEntryConnection`.
 */
export function auditTypes(scope: Function): AuditTypes {
  let t = byScope.get(scope);
  if (t) return t;

  @ObjectType('AuditFieldChange', { registerIn: scope, description: 'One changed field: its values before and after, as JSON text' })
  @Directive('@shareable')
  class AuditFieldChange implements AuditFieldChangeValue {
    @Field({ description: 'Column name, e.g. first_name' }) field: string;
    @Field(() => String, { nullable: true, description: 'JSON of the value before (null: none or erased)' }) old: string | null;
    @Field(() => String, { nullable: true, description: 'JSON of the value after (null: none or erased)' }) new: string | null;
    @Field({ description: 'The values were personal data of an erased contact and are gone; that the field changed is kept' }) erased: boolean;
  }

  @ObjectType('AuditEntry', { registerIn: scope, description: 'One audited change: who, when, what, and the changed fields' })
  @Directive('@shareable')
  class AuditEntry implements AuditEntryValue {
    @Field() id: string;
    @Field(() => GraphQLISODateTime) occurredAt: Date;
    @Field({ description: 'The user (token sub) who made it, or for work done by an event handler or a scheduled job the user who caused that, or "system"' })
    actorId: string;
    @Field({ description: 'e.g. contact, company, consent, deal, quote, task, segment, campaign' }) entity: string;
    @Field({ description: "The entity's id (several key columns joined with ':')" }) entityId: string;
    @Field({ description: 'create, update or delete' }) action: string;
    @Field(() => [AuditFieldChange]) changes: AuditFieldChangeValue[];
  }

  @ObjectType('AuditEntryEdge', { registerIn: scope })
  @Directive('@shareable')
  class AuditEntryEdge {
    @Field() cursor: string;
    @Field(() => AuditEntry) node: AuditEntryValue;
  }

  const pageInfo = PageInfoType(scope);
  @ObjectType('AuditEntryConnection', { registerIn: scope, description: 'Audit entries, newest first' })
  @Directive('@shareable')
  class AuditEntryConnection implements ConnectionValue<AuditEntryValue> {
    @Field(() => [AuditEntryEdge]) edges: AuditEntryEdge[];
    @Field(() => pageInfo) pageInfo: ConnectionValue<AuditEntryValue>['pageInfo'];
    @Field(() => Int, { description: 'All matches (every page); counted only when selected' }) totalCount: number | null;
  }

  @InputType('AuditFilter', { registerIn: scope, description: 'Every given condition must hold' })
  class AuditFilterInput implements AuditFilter {
    @Field(() => String, { nullable: true }) entity?: string | null;
    @Field(() => String, { nullable: true }) entityId?: string | null;
    @Field(() => String, { nullable: true, description: 'Changes made by this user (token sub), or "system"' }) userId?: string | null;
    @Field(() => GraphQLISODateTime, { nullable: true, description: 'From this time (inclusive)' }) from?: Date | null;
    @Field(() => GraphQLISODateTime, { nullable: true, description: 'Up to this time (exclusive)' }) to?: Date | null;
  }

  t = { AuditEntry, AuditEntryConnection, AuditFilterInput };
  byScope.set(scope, t);
  return t;
}
