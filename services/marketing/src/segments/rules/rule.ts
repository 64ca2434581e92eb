import { z } from 'zod';
import { MINOR_UNITS, parseDecimal } from '@crm/shared-kernel';

/**
 * A dynamic segment's rule: a tree of AND / OR / NOT over conditions. A condition names a field of
 * the contact replica (`tags`, `country`, `customFields.plan`, `consent.email`, …) or of the
 * behaviour projection (`opened`, `orders`, `spent`, `productsBought`, `leadScore`, …), an operator
 * and its operand. Stored as validated here (JSON in `segments.rule`), compiled to one SQL predicate
 * by rule.compiler.ts.
 */
export enum RuleOp {
  EQ = 'eq',
  NEQ = 'neq',
  IN = 'in',
  NOT_IN = 'not_in',
  CONTAINS = 'contains',
  NOT_CONTAINS = 'not_contains',
  CONTAINS_ANY = 'contains_any',
  CONTAINS_ALL = 'contains_all',
  GT = 'gt',
  GTE = 'gte',
  LT = 'lt',
  LTE = 'lte',
  BEFORE = 'before',
  AFTER = 'after',
  WITHIN_LAST_DAYS = 'within_last_days',
  OLDER_THAN_DAYS = 'older_than_days',
  IS_SET = 'is_set',
  IS_NOT_SET = 'is_not_set',
}

export interface RuleCondition {
  field: string;
  op: RuleOp;
  value?: string;
  values?: string[];
  days?: number;
  currency?: string;
}
export type Rule = { and: Rule[] } | { or: Rule[] } | { not: Rule } | RuleCondition;

/** What a field holds, which decides its operators and operand. */
export type FieldType = 'text' | 'id' | 'tags' | 'date' | 'number' | 'count' | 'products' | 'money' | 'channel' | 'consent' | 'customField';

export interface FieldSpec {
  type: FieldType;
  /** The SQL expression (over `r` = contact_replica, `f` = contact_facts), for replica/facts fields. */
  sql?: string;
  /** The contact_activity kind counted, for behaviour fields. */
  activity?: string;
  /** Fed by the sales module's events: unknown (matches nobody, also under NOT) until the tenant's first sales event. */
  sales?: boolean;
  /** Compared upper-cased (ISO codes). */
  upper?: boolean;
  description: string;
}

export const CHANNELS = ['email', 'sms', 'phone', 'post', 'social'] as const;
export const CONSENT_VALUES = ['granted', 'withdrawn', 'none'] as const;

export const RULE_FIELDS: Readonly<Record<string, FieldSpec>> = {
  tags: { type: 'tags', sql: 'r.tags', description: 'the contact’s tags' },
  lifecycleStage: { type: 'text', sql: 'r.lifecycle_stage', description: 'lifecycle stage (lead, customer, …)' },
  companyId: { type: 'id', sql: 'r.company_id::text', description: 'the company’s id' },
  companyName: { type: 'text', sql: 'r.company_name', description: 'the company’s name' },
  ownerId: { type: 'text', sql: 'r.owner_id', description: 'the owning user' },
  country: { type: 'text', sql: 'r.country', upper: true, description: 'ISO 3166 alpha-2 country of the primary address' },
  timeZone: { type: 'text', sql: 'r.time_zone', description: 'IANA time zone' },
  createdAt: { type: 'date', sql: 'r.contact_created_at', description: 'when the contact was created' },
  reachableChannel: { type: 'channel', sql: 'f.reachable_channel', description: 'the first preferred channel with consent granted and an address' },
  leadScore: { type: 'number', sql: 'COALESCE(f.lead_score, 0)', description: 'lead score' },
  received: { type: 'count', activity: 'received', description: 'campaign messages received (sent to the contact)' },
  opened: { type: 'count', activity: 'opened', description: 'campaign messages opened' },
  clicked: { type: 'count', activity: 'clicked', description: 'campaign link clicks' },
  bounced: { type: 'count', activity: 'bounced', description: 'campaign messages bounced' },
  formsSubmitted: { type: 'count', activity: 'form', description: 'web form submissions' },
  orders: { type: 'count', activity: 'order', sales: true, description: 'orders placed (sales)' },
  dealsWon: { type: 'count', activity: 'deal_won', sales: true, description: 'deals won (sales)' },
  productsBought: { type: 'products', activity: 'order', sales: true, description: 'a product (id or SKU) on a placed order' },
  spent: { type: 'money', activity: 'order', sales: true, description: 'order totals in one currency' },
};

const OPS: Record<FieldType, readonly RuleOp[]> = {
  text: [RuleOp.EQ, RuleOp.NEQ, RuleOp.IN, RuleOp.NOT_IN, RuleOp.CONTAINS, RuleOp.IS_SET, RuleOp.IS_NOT_SET],
  id: [RuleOp.EQ, RuleOp.NEQ, RuleOp.IN, RuleOp.NOT_IN, RuleOp.IS_SET, RuleOp.IS_NOT_SET],
  tags: [RuleOp.CONTAINS, RuleOp.NOT_CONTAINS, RuleOp.CONTAINS_ANY, RuleOp.CONTAINS_ALL, RuleOp.IS_SET, RuleOp.IS_NOT_SET],
  date: [RuleOp.BEFORE, RuleOp.AFTER, RuleOp.WITHIN_LAST_DAYS, RuleOp.OLDER_THAN_DAYS, RuleOp.IS_SET, RuleOp.IS_NOT_SET],
  number: [RuleOp.EQ, RuleOp.NEQ, RuleOp.GT, RuleOp.GTE, RuleOp.LT, RuleOp.LTE],
  count: [RuleOp.EQ, RuleOp.NEQ, RuleOp.GT, RuleOp.GTE, RuleOp.LT, RuleOp.LTE, RuleOp.WITHIN_LAST_DAYS, RuleOp.OLDER_THAN_DAYS],
  products: [RuleOp.CONTAINS, RuleOp.NOT_CONTAINS],
  money: [RuleOp.GT, RuleOp.GTE, RuleOp.LT, RuleOp.LTE],
  channel: [RuleOp.EQ, RuleOp.NEQ, RuleOp.IN, RuleOp.NOT_IN, RuleOp.IS_SET, RuleOp.IS_NOT_SET],
  consent: [RuleOp.EQ, RuleOp.NEQ, RuleOp.IN, RuleOp.NOT_IN],
  customField: [RuleOp.EQ, RuleOp.NEQ, RuleOp.IN, RuleOp.NOT_IN, RuleOp.CONTAINS, RuleOp.IS_SET, RuleOp.IS_NOT_SET, RuleOp.GT, RuleOp.GTE, RuleOp.LT, RuleOp.LTE],
};

const CUSTOM_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const INTEGER = /^\d{1,9}$/;
export const MAX_RULE_DEPTH = 8;
export const MAX_RULE_CONDITIONS = 100;

/** The spec of a field name, with the dynamic families `customFields.<key>` and `consent.<channel>`. */
export function fieldSpec(field: string): FieldSpec | null {
  if (Object.hasOwn(RULE_FIELDS, field)) return RULE_FIELDS[field];
  if (field.startsWith('customFields.') && CUSTOM_KEY.test(field.slice('customFields.'.length))) return { type: 'customField', description: 'a custom field' };
  if (field.startsWith('consent.') && (CHANNELS as readonly string[]).includes(field.slice('consent.'.length))) return { type: 'consent', description: 'current consent on a channel' };
  return null;
}

const isNumber = (s: string) => parseDecimal(s) !== undefined;
const isDate = (s: string) => ISO_DATE.test(s) && !Number.isNaN(Date.parse(s));

type Issue = { path: (string | number)[]; message: string };

/** The operand checks of one condition; each problem names the property it is about. */
function checkCondition(c: RuleCondition): Issue[] {
  const spec = fieldSpec(c.field);
  if (!spec) return [{ path: ['field'], message: `unknown field "${c.field.slice(0, 80)}" (known: ${Object.keys(RULE_FIELDS).join(', ')}, customFields.<key>, consent.<channel>)` }];
  if (!OPS[spec.type].includes(c.op)) return [{ path: ['op'], message: `${c.op.toUpperCase()} does not apply to ${c.field} (allowed: ${OPS[spec.type].map((o) => o.toUpperCase()).join(', ')})` }];
  const issues: Issue[] = [];
  const need = (what: 'value' | 'values' | 'days', ok: boolean, message: string) => {
    if (!ok) issues.push({ path: [what], message });
  };
  const op = c.op;
  const listOp = op === RuleOp.IN || op === RuleOp.NOT_IN || op === RuleOp.CONTAINS_ANY || op === RuleOp.CONTAINS_ALL;
  const noOperand = op === RuleOp.IS_SET || op === RuleOp.IS_NOT_SET;
  const daysOp = op === RuleOp.WITHIN_LAST_DAYS || op === RuleOp.OLDER_THAN_DAYS;
  if (listOp) need('values', !!c.values?.length, `${op.toUpperCase()} needs a non-empty list in values`);
  else if (daysOp) need('days', c.days != null, `${op.toUpperCase()} needs days`);
  else if (!noOperand) need('value', c.value != null && c.value !== '', `${op.toUpperCase()} needs a value`);
  const operands = listOp ? (c.values ?? []) : c.value != null ? [c.value] : [];
  const where: 'values' | 'value' = listOp ? 'values' : 'value';
  const each = (ok: (s: string) => boolean, message: string) => {
    operands.forEach((s, i) => {
      if (!ok(s)) issues.push({ path: listOp ? [where, i] : [where], message: `${message}, got "${s.slice(0, 60)}"` });
    });
  };
  switch (spec.type) {
    case 'id':
      each((s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s), 'must be an id');
      break;
    case 'date':
      if (!daysOp) each(isDate, 'must be an ISO date (2026-01-31) or date-time');
      break;
    case 'number':
      each(isNumber, 'must be a number');
      break;
    case 'count':
      if (!daysOp) each((s) => INTEGER.test(s), 'must be a whole number of events');
      break;
    case 'money':
      each((s) => isNumber(s) && !s.trim().startsWith('-'), 'must be a decimal amount such as "100.00"');
      if (!c.currency || MINOR_UNITS[c.currency.toUpperCase()] === undefined) issues.push({ path: ['currency'], message: 'must be an ISO 4217 currency code (EUR, USD, …)' });
      break;
    case 'channel':
      each((s) => (CHANNELS as readonly string[]).includes(s.toLowerCase()), `must be one of ${CHANNELS.join(', ')}`);
      break;
    case 'consent':
      each((s) => (CONSENT_VALUES as readonly string[]).includes(s.toLowerCase()), `must be one of ${CONSENT_VALUES.join(', ')}`);
      break;
    case 'customField':
      if (op === RuleOp.GT || op === RuleOp.GTE || op === RuleOp.LT || op === RuleOp.LTE) each(isNumber, 'must be a number (ordered comparisons on custom fields are numeric)');
      break;
    default:
      break;
  }
  if (c.days != null && !daysOp && !((spec.type === 'count' || spec.type === 'products' || spec.type === 'money') && !noOperand)) {
    issues.push({ path: ['days'], message: `days does not apply to ${c.field} ${op.toUpperCase()}` });
  }
  if (c.currency != null && spec.type !== 'money') issues.push({ path: ['currency'], message: `currency applies only to spent` });
  return issues;
}

const operand = z.string().max(500, 'must be at most 500 characters');
const ruleInput: z.ZodType<RuleInputShape> = z.lazy(() =>
  z
    .object({
      and: z.array(ruleInput).min(1, 'must not be empty').max(MAX_RULE_CONDITIONS).nullish(),
      or: z.array(ruleInput).min(1, 'must not be empty').max(MAX_RULE_CONDITIONS).nullish(),
      not: ruleInput.nullish(),
      field: z.string().max(100).nullish(),
      op: z.enum(RuleOp).nullish(),
      value: operand.nullish(),
      values: z.array(operand).max(1000, 'at most 1000 values').nullish(),
      days: z.number().int('must be a whole number').min(1, 'must be at least 1').max(36500, 'must be at most 36500').nullish(),
      currency: z.string().max(3).nullish(),
    })
    .superRefine((n, ctx) => {
      const kinds = (['and', 'or', 'not', 'field'] as const).filter((k) => n[k] != null);
      if (kinds.length !== 1) {
        ctx.addIssue({ code: 'custom', path: kinds.length ? [kinds[1]] : ['field'], message: 'a rule node is exactly one of and, or, not, or a condition (field + op)' });
        return;
      }
      if (n.field == null) return;
      if (n.op == null) {
        ctx.addIssue({ code: 'custom', path: ['op'], message: 'required' });
        return;
      }
      for (const i of checkCondition(conditionOf(n))) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    }),
);

interface RuleInputShape {
  and?: RuleInputShape[] | null;
  or?: RuleInputShape[] | null;
  not?: RuleInputShape | null;
  field?: string | null;
  op?: RuleOp | null;
  value?: string | null;
  values?: string[] | null;
  days?: number | null;
  currency?: string | null;
}

function conditionOf(n: RuleInputShape): RuleCondition {
  const c: RuleCondition = { field: n.field!, op: n.op! };
  const spec = fieldSpec(c.field);
  const norm = (s: string) => (spec?.upper || spec?.type === 'money' ? s.trim().toUpperCase() : spec?.type === 'channel' || spec?.type === 'consent' || spec?.type === 'id' ? s.trim().toLowerCase() : s);
  if (n.value != null) c.value = norm(n.value);
  if (n.values != null) c.values = n.values.map(norm);
  if (n.days != null) c.days = n.days;
  if (n.currency != null) c.currency = n.currency.trim().toUpperCase();
  if (spec?.type === 'money' && c.value != null) c.value = n.value!.trim();
  return c;
}

/** The GraphQL input (nulls for absent properties) → the stored rule. Assumes it passed `ruleSchema`. */
function normalise(n: RuleInputShape): Rule {
  if (n.and) return { and: n.and.map(normalise) };
  if (n.or) return { or: n.or.map(normalise) };
  if (n.not) return { not: normalise(n.not) };
  return conditionOf(n);
}

function shape(r: Rule, depth = 1): { depth: number; conditions: number } {
  if ('and' in r || 'or' in r) {
    const kids = ('and' in r ? r.and : r.or).map((k) => shape(k, depth + 1));
    return { depth: Math.max(depth, ...kids.map((k) => k.depth)), conditions: kids.reduce((s, k) => s + k.conditions, 0) };
  }
  if ('not' in r) return shape(r.not, depth + 1);
  return { depth, conditions: 1 };
}

/** The rule schema of the use cases: every problem named by its path (`input.rule.and.1.field`). */
export const ruleSchema = ruleInput
  .transform((n) => normalise(n))
  .superRefine((r, ctx) => {
    const s = shape(r);
    if (s.depth > MAX_RULE_DEPTH) ctx.addIssue({ code: 'custom', message: `nested ${s.depth} levels deep; at most ${MAX_RULE_DEPTH}` });
    if (s.conditions > MAX_RULE_CONDITIONS) ctx.addIssue({ code: 'custom', message: `${s.conditions} conditions; at most ${MAX_RULE_CONDITIONS}` });
  });

/** Whether the rule's result moves with the clock (needs the periodic sweep, not only events). */
export function isTimeRelative(r: Rule): boolean {
  if ('and' in r) return r.and.some(isTimeRelative);
  if ('or' in r) return r.or.some(isTimeRelative);
  if ('not' in r) return isTimeRelative(r.not);
  return r.days != null || r.op === RuleOp.WITHIN_LAST_DAYS || r.op === RuleOp.OLDER_THAN_DAYS;
}
