import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { randomUUID } from 'node:crypto';
import { OperationCatalogue, ROLES, startService, type RunningService } from '@crm/platform';
import { adminQuery, freshSchema, serviceTestEnv, subgraphClient, uniqueId, uniqueTenant } from '@crm/testing';
import { installedServices } from './support';

/**
 * Authorization is declared per operation and denied by default (issue 7 §1). The snapshot lists
 * every operation of every subgraph with the permission it needs, so any change shows up in review;
 * the role matrix calls every operation with every role against the real services.
 */
const definitions = installedServices();

describe('operation permissions', () => {
  const running: RunningService[] = [];
  const drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    for (const def of definitions) {
      const fresh = await freshSchema(def.name);
      drops.push(fresh.drop);
      running.push(await startService(def, { env: serviceTestEnv(fresh.schema, `${uniqueId('perm')}.`) }));
    }
  });
  afterAll(async () => {
    for (const s of running) await s.stop();
    for (const d of drops) await d();
  });

  it('every operation of every subgraph declares its permission (snapshot: review any change)', () => {
    const catalogue = Object.fromEntries(running.map((s) => [s.name, s.app.get(OperationCatalogue).operations().map((o) => `${o.operation} → ${o.access}${o.roles.length ? ` (${o.roles.join(", ")})` : ""}`)]));
    expect(catalogue).toMatchSnapshot();
    for (const s of running) {
      const schema = s.app.get(GraphQLSchemaHost).schema;
      const declared = new Set(s.app.get(OperationCatalogue).operations().map((o) => o.operation));
      const inSchema = rootFields(schema).map(([type, f]) => `${type}.${f.name}`);
      expect(inSchema.filter((o) => !declared.has(o))).toEqual([]);
    }
  });

  it('role matrix: each role reaches exactly the operations its permissions allow; the others are FORBIDDEN', async () => {
    const mismatches: string[] = [];
    for (const s of running) {
      const schema = s.app.get(GraphQLSchemaHost).schema;
      const access = new Map(s.app.get(OperationCatalogue).operations().map((o) => [o.operation, o]));
      for (const role of ROLES) {
        const gql = subgraphClient(s.url, { tenantId: uniqueTenant(), userId: 'matrix-user', roles: [role] });
        for (const [type, field] of rootFields(schema)) {
          const op = access.get(`${type}.${field.name}`)!;
          const allowed = op.roles.length === 0 || op.roles.includes(role);
          const r = await gql(operationText(type, field));
          const forbidden = (r.errors ?? []).some((e) => e.extensions?.code === 'FORBIDDEN' && /needs the permission/.test(e.message));
          if (forbidden === allowed) mismatches.push(`${s.name} ${type}.${field.name} as ${role}: expected ${allowed ? 'allowed' : 'FORBIDDEN'}, got ${JSON.stringify(r.errors?.[0]?.message ?? 'data')}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('every text input of every operation of both modules refuses a NUL byte, naming each field', async () => {
    const misses: string[] = [];
    const checked: string[] = [];
    for (const s of running) {
      const gql = subgraphClient(s.url, { tenantId: uniqueTenant(), userId: 'u', roles: ['admin'] });
      for (const [type, field] of rootFields(s.app.get(GraphQLSchemaHost).schema)) {
        const textFields: string[] = [];
        const args = field.args.map((a) => `${a.name}: ${literal(a.type, 0, { path: a.name, textFields })}`);
        if (!textFields.length) continue;
        checked.push(`${s.name}.${field.name}:${textFields.length}`);
        const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
        const r = await gql(`${type === 'Mutation' ? 'mutation ' : ''}{ ${field.name}(${args.join(', ')})${selection} }`);
        const err = r.errors?.[0];
        const named = new Set<string>((err?.extensions?.fields ?? []).map((f: { field: string }) => f.field));
        if (err?.extensions?.code !== 'BAD_USER_INPUT' || textFields.some((f) => !named.has(f))) misses.push(`${s.name} ${field.name}: ${JSON.stringify(err ?? 'no error')}`);
      }
    }
    expect(misses).toEqual([]);
    // The walk reached the operations with text inputs (a generator that found none would prove nothing).
    expect(checked.length).toBeGreaterThan(25);
  });

  it('a NUL byte or a lone surrogate in any text argument is BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const contacts = running.find((s) => s.name === 'contacts')!;
    const tenantId = uniqueTenant();
    const gql = subgraphClient(contacts.url, { tenantId, userId: 'u', roles: ['admin'] });
    for (const bad of ['Ad\u0000a', 'Ada\uD800', '\uDC00Ada']) {
      const r = await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { id } }`, { i: { firstName: 'Ok', lastName: bad, tags: ['fine', bad] } });
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.lastName' }, { field: 'input.tags.1' }] });
    }
    const sales = running.find((s) => s.name === 'sales')!;
    const r = await subgraphClient(sales.url, { tenantId, userId: 'u', roles: ['admin'] })(`mutation($r: String!) { loseDeal(id: "${randomUUID()}", reason: $r) { id } }`, { r: 'x\u0000' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'reason' }] });
    const [{ n }] = await adminQuery(`SELECT count(*)::int AS n FROM "${contacts.info.schema}".contacts WHERE tenant_id = $1`, [tenantId]);
    expect(n).toBe(0);
  });
});

/** Query and Mutation fields of a subgraph, without federation's own (_entities, _service). */
function rootFields(schema: GraphQLSchema): [string, GraphQLField<unknown, unknown>][] {
  const out: [string, GraphQLField<unknown, unknown>][] = [];
  for (const t of [schema.getQueryType(), schema.getMutationType()]) {
    if (!t) continue;
    for (const f of Object.values(t.getFields())) if (!f.name.startsWith('_')) out.push([t.name, f]);
  }
  return out;
}

/** The operation with made-up but well-typed arguments, so it passes GraphQL validation and reaches authorization. */
function operationText(type: string, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${literal(a.type)}`);
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${type === 'Mutation' ? 'mutation ' : ''}{ ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

/**
 * A well-typed literal. With `text`, every String in it (required or not, up to two input levels)
 * is "x" plus a NUL byte and its path is recorded — to prove the text rule reaches every text input.
 */
function literal(t: GraphQLInputType, depth = 0, text?: { path: string; textFields: string[] }): string {
  if (isNonNullType(t)) return literal(t.ofType, depth, text);
  if (isListType(t)) return `[${literal(t.ofType, depth, text && { ...text, path: `${text.path}.0` })}]`;
  if (isEnumType(t)) return t.getValues()[0].name;
  if (isInputObjectType(t)) {
    const fields = Object.values(t.getFields()).filter((f) => (isNonNullType(f.type) && f.defaultValue === undefined) || (text && depth < 2 && getNamedType(f.type).name === 'String'));
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type, depth + 1, text && { ...text, path: `${text.path}.${f.name}` })}`).join(', ')} }`;
  }
  if (text && isScalarType(t) && t.name === 'String') {
    text.textFields.push(text.path);
    return '"x\\u0000"';
  }
  if (isScalarType(t)) {
    switch (t.name) {
      case 'ID':
        return `"${randomUUID()}"`;
      case 'Int':
      case 'Float':
        return '1';
      case 'Boolean':
        return 'true';
      case 'DateTime':
        return `"${new Date(Date.now() + 3_600_000).toISOString()}"`;
      case 'Date':
        return `"${new Date().toISOString().slice(0, 10)}"`;
      default:
        return '"x"';
    }
  }
  throw new Error(`no literal for ${String(t)}`);
}
