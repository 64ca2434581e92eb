import { SqlParams } from '@crm/platform';
import { compileRule } from './rule.compiler';
import { isTimeRelative, ruleSchema, RuleOp, type Rule } from './rule';

const parse = (r: unknown) => ruleSchema.safeParse(r);

describe('segment rules', () => {
  it('normalises operands: ISO codes and currencies upper-cased, channels and consent lower-cased, nulls dropped', () => {
    const r = parse({
      and: [
        { field: 'country', op: RuleOp.IN, values: ['de', 'Fr'], value: null, days: null },
        { field: 'consent.email', op: RuleOp.EQ, value: 'GRANTED' },
        { field: 'spent', op: RuleOp.GT, value: ' 100.50 ', currency: 'eur', days: 30 },
      ],
    });
    expect(r.success && r.data).toEqual({
      and: [
        { field: 'country', op: 'in', values: ['DE', 'FR'] },
        { field: 'consent.email', op: 'eq', value: 'granted' },
        { field: 'spent', op: 'gt', value: '100.50', currency: 'EUR', days: 30 },
      ],
    });
  });

  it('refuses depth beyond 8 levels', () => {
    let r: unknown = { field: 'tags', op: RuleOp.IS_SET };
    for (let i = 0; i < 8; i++) r = { not: r };
    expect(parse(r).success).toBe(false);
    expect(parse({ not: { not: { field: 'tags', op: RuleOp.IS_SET } } }).success).toBe(true);
  });

  it('refuses days where it means nothing and currency outside spent', () => {
    const r = parse({ or: [{ field: 'tags', op: RuleOp.CONTAINS, value: 'x', days: 3 }, { field: 'orders', op: RuleOp.GTE, value: '1', currency: 'EUR' }] });
    expect(r.success ? [] : r.error.issues.map((i) => i.path.join('.'))).toEqual(['or.0.days', 'or.1.currency']);
  });

  it('knows which rules read the clock', () => {
    const at = (r: Rule) => isTimeRelative(r);
    expect(at({ field: 'createdAt', op: RuleOp.BEFORE, value: '2026-01-01' })).toBe(false);
    expect(at({ not: { field: 'createdAt', op: RuleOp.WITHIN_LAST_DAYS, days: 3 } })).toBe(true);
    expect(at({ and: [{ field: 'tags', op: RuleOp.IS_SET }, { field: 'opened', op: RuleOp.GTE, value: '1', days: 7 }] })).toBe(true);
    expect(at({ or: [{ field: 'orders', op: RuleOp.GTE, value: '1' }] })).toBe(false);
  });

  it('compiles every operand to a bind parameter, and sales conditions to unknown until sales is seen', () => {
    const q = new SqlParams('tenant', 'contact');
    const sql = compileRule(
      { and: [{ field: 'companyName', op: RuleOp.CONTAINS, value: "50%'; DROP" }, { not: { field: 'productsBought', op: RuleOp.CONTAINS, value: 'SKU-1' } }] },
      q.p,
      '$1',
    );
    expect(sql).not.toContain('DROP');
    expect(q.values).toEqual(['tenant', 'contact', '50\\%\'; DROP', 'SKU-1', 'order']);
    expect(sql).toContain(`(CASE WHEN EXISTS (SELECT 1 FROM projection_sources ps WHERE ps.tenant_id = $1 AND ps.source = 'sales') THEN`);
  });
});
