import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { exampleTenantProfile, exampleUser, type UserSnapshot } from '@crm/events';
import { createDataSource, inTenantTx, migrate, PlatformTables1764000000000, SqlParams } from '@crm/platform';
import { freshSchema, uniqueTenant } from '@crm/testing';
import { DirectoryReplica, DirectoryReplicaTables1796200000011, teamMemberSql } from '../src';

/**
 * The directory replica on a real PostgreSQL schema (its consumer on real Kafka is exercised by
 * services/sales/test/directory-replica.int-spec.ts): newest version wins, tenants stay apart, and
 * the owner rule every module applies.
 */

let fresh: Awaited<ReturnType<typeof freshSchema>>;
let ds: DataSource;
const replica = new DirectoryReplica();

beforeAll(async () => {
  fresh = await freshSchema('sdir');
  ds = createDataSource({ url: fresh.url, schema: fresh.schema, entities: [], migrations: [PlatformTables1764000000000, DirectoryReplicaTables1796200000011], poolSize: 3, applicationName: 'shared-directory-test' });
  await ds.initialize();
  await migrate(ds, fresh.schema);
});
afterAll(async () => {
  await ds?.destroy();
  await fresh?.drop();
});

const user = (userId: string, over: Partial<UserSnapshot> = {}): UserSnapshot => ({ ...exampleUser, userId, name: userId, ...over });
const inTenant = <T>(tenantId: string, fn: Parameters<typeof inTenantTx<T>>[2]) => inTenantTx(ds, tenantId, fn);
const refused = (tenantId: string, caller: string, owners: (string | null | undefined)[]) => inTenant(tenantId, (tx) => replica.rejectedOwners(tx, caller, owners));

it('applies only newer versions of a user, a team and the tenant profile (redelivered or reordered events change nothing)', async () => {
  const tenantId = uniqueTenant();
  await inTenant(tenantId, async (tx) => {
    expect(await replica.applyUser(tx, user('ada', { version: 2, name: 'Augusta Ada King' }))).toBe(true);
    expect(await replica.applyUser(tx, user('ada', { version: 1, name: 'Ada Lovelace' }))).toBe(false);
    expect(await replica.applyUser(tx, user('ada', { version: 2, name: 'Same version again' }))).toBe(false);
    const teamId = randomUUID();
    expect(await replica.applyTeam(tx, { teamId, version: 2, name: 'B', leadId: null, memberIds: ['ada'], archived: false })).toBe(true);
    expect(await replica.applyTeam(tx, { teamId, version: 1, name: 'A', leadId: null, memberIds: [], archived: false })).toBe(false);
    expect(await replica.applyTenantProfile(tx, { ...exampleTenantProfile, version: 3, changed: ['vatId'] })).toBe(true);
    expect(await replica.applyTenantProfile(tx, { ...exampleTenantProfile, version: 2, legalName: 'Old name', changed: ['legalName'] })).toBe(false);
    expect((await replica.user(tx, 'ada'))?.name).toBe('Augusta Ada King');
    expect(await replica.team(tx, teamId)).toMatchObject({ name: 'B', memberIds: ['ada'] });
    expect(await replica.tenantProfile(tx)).toEqual({ ...exampleTenantProfile, version: 3 });
    expect(await replica.users(tx, ['nobody', 'ada'])).toEqual([null, expect.objectContaining({ userId: 'ada' })]);
  });
  // Another tenant sees none of it.
  await inTenant(uniqueTenant(), async (tx) => {
    expect(await replica.tenantProfile(tx)).toBeNull();
    expect(await replica.user(tx, 'ada')).toBeNull();
  });
});

it('the owner rule: the caller always; others only when active, once the tenant’s directory was seen', async () => {
  const tenantId = uniqueTenant();
  // Nothing seen yet (contacts absent, or its events not arrived): ids are accepted as given.
  expect(await refused(tenantId, 'me', ['colleague', 'typo'])).toEqual(new Map());
  await inTenant(tenantId, async (tx) => {
    await replica.applyUser(tx, user('rep-1'));
    await replica.applyUser(tx, user('gone', { version: 2, active: false }));
  });
  expect(await refused(tenantId, 'me', ['me', 'rep-1', 'gone', 'typo', 'typo', null, undefined])).toEqual(
    new Map([
      ['gone', 'user gone is deactivated'],
      ['typo', 'typo is not a user of this tenant'],
    ]),
  );
  // The directory of another tenant does not count: there, nothing was seen.
  expect(await refused(uniqueTenant(), 'me', ['typo'])).toEqual(new Map());
  const err = await inTenant(tenantId, (tx) => replica.requireOwners(tx, 'me', [{ field: 'input.ownerId', ownerId: 'typo' }, { field: 'input.coOwnerId', ownerId: 'rep-1' }])).catch((e) => e);
  expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.ownerId', message: 'typo is not a user of this tenant' }] });
});

it('teamMemberSql selects rows owned by the team’s members', async () => {
  const tenantId = uniqueTenant();
  const teamId = randomUUID();
  const owners = await inTenant(tenantId, async (tx) => {
    await replica.applyTeam(tx, { teamId, version: 1, name: 'Benelux', leadId: 'a', memberIds: ['a', 'b'], archived: false });
    const q = new SqlParams();
    const cond = teamMemberSql(q, 'owner', teamId);
    return tx.query<{ owner: string }>(`SELECT owner FROM unnest(ARRAY['a', 'b', 'c']) AS owner WHERE ${cond} ORDER BY owner`, q.values);
  });
  expect(owners.map((r) => r.owner)).toEqual(['a', 'b']);
});
