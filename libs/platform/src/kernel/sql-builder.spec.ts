import { SqlParams } from './sql-builder';

describe('SqlParams', () => {
  it('numbers placeholders after the fixed parameters', () => {
    const q = new SqlParams('tenant', 'id');
    expect(q.p('x')).toBe('$3');
    expect(q.p(4)).toBe('$4');
    expect(q.values).toEqual(['tenant', 'id', 'x', 4]);
  });

  it('SET lists only defined values; null sets NULL', () => {
    const q = new SqlParams('t');
    expect(q.set({ first_name: 'Ada', last_name: undefined, owner_id: null })).toBe('first_name = $2, owner_id = $3');
    expect(q.values).toEqual(['t', 'Ada', null]);
    expect(new SqlParams().set({ a: undefined })).toBe('');
  });

  it('WHERE keeps the conditions that are present', () => {
    const q = new SqlParams('t');
    const status: string | undefined = undefined;
    expect(q.where(['tenant_id = $1', status && `status = ${q.p(status)}`, `owner_id = ${q.p('u1')}`])).toBe('tenant_id = $1 AND owner_id = $2');
    expect(q.where([])).toBe('TRUE');
    const before = q.snapshot();
    q.p('cursor');
    expect(before).toEqual(['t', 'u1']);
  });
});
