import { fieldSpec, RuleOp, type FieldSpec, type Rule, type RuleCondition } from './rule';

/**
 * One SQL predicate for a rule, over `contact_replica r LEFT JOIN contact_facts f` (see
 * MEMBER_FROM), with every operand a bind parameter (`p` numbers them, SqlParams.p). Behaviour
 * counts, recency, products and spend are subqueries over `contact_activity` (indexed by tenant,
 * contact, kind, time), so evaluating one contact touches only that contact's rows.
 *
 * Three-valued on purpose: every replica/behaviour condition is COALESCEd to true/false (a missing
 * value is "not equal", so NOT works as users expect), while a condition over sales data is NULL —
 * unknown — as long as the tenant has received no sales event at all. NULL stays NULL under NOT and
 * AND, so a rule over purchases matches nobody until the sales module is deployed, as promised
 * (`(rule) IS TRUE` selects members).
 */
export function compileRule(rule: Rule, p: (v: unknown) => string, tenantParam: string): string {
  const salesSeen = `EXISTS (SELECT 1 FROM projection_sources ps WHERE ps.tenant_id = ${tenantParam} AND ps.source = 'sales')`;
  const walk = (r: Rule): string => {
    if ('and' in r) return `(${r.and.map(walk).join(' AND ')})`;
    if ('or' in r) return `(${r.or.map(walk).join(' OR ')})`;
    if ('not' in r) return `(NOT ${walk(r.not)})`;
    const spec = fieldSpec(r.field);
    if (!spec) throw new Error(`unvalidated rule: unknown field ${r.field}`);
    const sql = `COALESCE(${condition(r, spec, p)}, false)`;
    return spec.sales ? `(CASE WHEN ${salesSeen} THEN ${sql} END)` : sql;
  };
  return walk(rule);
}

/** Contacts a rule may select: active replica rows with their facts. `$1` is the tenant. */
export const MEMBER_FROM = `contact_replica r LEFT JOIN contact_facts f ON f.tenant_id = r.tenant_id AND f.contact_id = r.contact_id`;
/** Erased, merged-away and archived contacts are never members. */
export const ACTIVE = `r.erased_at IS NULL AND r.merged_into IS NULL AND r.archived_at IS NULL`;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const NUMERIC = `'^[[:space:]]*-?[0-9]+([.][0-9]+)?[[:space:]]*$'`;
const CMP: Partial<Record<RuleOp, string>> = { [RuleOp.EQ]: '=', [RuleOp.NEQ]: '<>', [RuleOp.GT]: '>', [RuleOp.GTE]: '>=', [RuleOp.LT]: '<', [RuleOp.LTE]: '<=' };

function activity(kind: string, p: (v: unknown) => string, days: number | undefined, extra = ''): string {
  const window = days != null ? ` AND a.occurred_at >= now() - make_interval(days => ${p(days)}::int)` : '';
  return `FROM contact_activity a WHERE a.tenant_id = r.tenant_id AND a.contact_id = r.contact_id AND a.kind = ${p(kind)}${window}${extra}`;
}

function scalar(col: string, c: RuleCondition, p: (v: unknown) => string): string {
  switch (c.op) {
    case RuleOp.EQ:
      return `${col} = ${p(c.value)}`;
    case RuleOp.NEQ:
      return `${col} IS DISTINCT FROM ${p(c.value)}`;
    case RuleOp.IN:
      return `${col} = ANY(${p(c.values)}::text[])`;
    case RuleOp.NOT_IN:
      return `NOT (COALESCE(${col} = ANY(${p(c.values)}::text[]), false))`;
    case RuleOp.CONTAINS:
      return `${col} ILIKE '%' || ${p(likeEscape(c.value!))} || '%'`;
    case RuleOp.IS_SET:
      return `(${col} IS NOT NULL AND ${col} <> '')`;
    case RuleOp.IS_NOT_SET:
      return `(${col} IS NULL OR ${col} = '')`;
    default:
      throw new Error(`unvalidated rule: ${c.op} on ${c.field}`);
  }
}

function condition(c: RuleCondition, spec: FieldSpec, p: (v: unknown) => string): string {
  switch (spec.type) {
    case 'text':
    case 'id':
    case 'channel':
      return scalar(spec.sql!, c, p);
    case 'consent':
      return scalar(`COALESCE(f.consent ->> ${p(c.field.slice('consent.'.length))}, 'none')`, c, p);
    case 'customField': {
      const col = `(r.custom_fields ->> ${p(c.field.slice('customFields.'.length))})`;
      const cmp = c.op === RuleOp.GT || c.op === RuleOp.GTE || c.op === RuleOp.LT || c.op === RuleOp.LTE ? CMP[c.op] : undefined;
      // Ordered comparisons are numeric; a value that is not a number never compares.
      if (cmp) return `(CASE WHEN ${col} ~ ${NUMERIC} THEN ${col}::numeric END) ${cmp} ${p(c.value)}::numeric`;
      return scalar(col, c, p);
    }
    case 'tags':
      switch (c.op) {
        case RuleOp.CONTAINS:
          return `${p(c.value)} = ANY(r.tags)`;
        case RuleOp.NOT_CONTAINS:
          return `NOT (${p(c.value)} = ANY(r.tags))`;
        case RuleOp.CONTAINS_ANY:
          return `r.tags && ${p(c.values)}::text[]`;
        case RuleOp.CONTAINS_ALL:
          return `r.tags @> ${p(c.values)}::text[]`;
        case RuleOp.IS_SET:
          return `cardinality(r.tags) > 0`;
        default:
          return `cardinality(r.tags) = 0`;
      }
    case 'date':
      switch (c.op) {
        case RuleOp.BEFORE:
          return `${spec.sql} < ${p(c.value)}::timestamptz`;
        case RuleOp.AFTER:
          return `${spec.sql} > ${p(c.value)}::timestamptz`;
        case RuleOp.WITHIN_LAST_DAYS:
          return `${spec.sql} >= now() - make_interval(days => ${p(c.days)}::int)`;
        case RuleOp.OLDER_THAN_DAYS:
          return `${spec.sql} < now() - make_interval(days => ${p(c.days)}::int)`;
        case RuleOp.IS_SET:
          return `${spec.sql} IS NOT NULL`;
        default:
          return `${spec.sql} IS NULL`;
      }
    case 'number':
      return `${spec.sql} ${CMP[c.op]} ${p(c.value)}::numeric`;
    case 'count':
      if (c.op === RuleOp.WITHIN_LAST_DAYS) return `EXISTS (SELECT 1 ${activity(spec.activity!, p, c.days)})`;
      // "last X older than D days": there is one, and none since.
      if (c.op === RuleOp.OLDER_THAN_DAYS) return `(SELECT max(a.occurred_at) ${activity(spec.activity!, p, undefined)}) < now() - make_interval(days => ${p(c.days)}::int)`;
      return `(SELECT count(*) ${activity(spec.activity!, p, c.days)}) ${CMP[c.op]} ${p(Number(c.value))}::bigint`;
    case 'products': {
      const bought = `EXISTS (SELECT 1 ${activity(spec.activity!, p, c.days, ` AND ${p(c.value)} = ANY(a.products)`)})`;
      return c.op === RuleOp.CONTAINS ? bought : `NOT ${bought}`;
    }
    case 'money':
      return `COALESCE((SELECT sum(a.amount) ${activity(spec.activity!, p, c.days, ` AND a.currency = ${p(c.currency)}`)}), 0) ${CMP[c.op]} ${p(c.value)}::numeric`;
  }
}
