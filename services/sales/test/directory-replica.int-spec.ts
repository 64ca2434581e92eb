import { TenantProfiles } from '@crm/documents';
import { TeamCreatedV1, TenantProfileUpdatedV1, UserDeactivatedV1, UserProvisionedV1, exampleTenantProfile, exampleUser, type UserSnapshot } from '@crm/events';
import { UnitOfWork } from '@crm/platform';
import { DirectoryReplica } from '@crm/shared-directory';
import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { expectError, Q, startSales, type Harness } from './harness';

/**
 * Issue 10 §2 in sales: the directory replica fed by the contacts topic (real Kafka), owners and
 * assignees that must be users of the tenant, the team filter of the deals and tasks lists.
 */

const TASK = {
  create: `mutation($i: CreateTaskInput!) { createTask(input: $i) { id assigneeId } }`,
  update: `mutation($id: ID!, $i: UpdateTaskInput!) { updateTask(id: $id, input: $i) { id assigneeId } }`,
  list: `query($f: TaskFilter) { tasks(filter: $f, first: 50) { totalCount edges { node { id assigneeId } } } }`,
};
const IMPORT = `mutation($csv: String!) { importDealsCsv(csv: $csv) { rows created failed errors { row message } } }`;
const TEAM_ID = '7d0c1f5e-3a2b-4c8d-9e6f-1a2b3c4d5e6f';

let h: Harness;
beforeAll(async () => {
  h = await startSales();
});
afterAll(async () => {
  await h?.stop();
});

const user = (userId: string, over: Partial<UserSnapshot> = {}): UserSnapshot => ({ ...exampleUser, userId, name: userId, ...over });
async function waitUser(tenantId: string, userId: string, version: number) {
  await eventually(
    async () => (await h.sql(`SELECT 1 FROM "${h.schema}".directory_users WHERE tenant_id = $1 AND user_id = $2 AND version >= $3`, [tenantId, userId, version])).length > 0,
    30000,
    `user ${userId} v${version} in the sales directory replica`,
  );
}
const fields = (e: { extensions?: Record<string, any> }) => (e.extensions?.fields as { field: string }[]).map((f) => f.field);
const dealsOf = async (tenantId: string) => (await h.sql(`SELECT count(*)::int AS n FROM "${h.schema}".deals WHERE tenant_id = $1`, [tenantId]))[0].n;

it('before the tenant’s directory reached sales, any owner is accepted (sales without contacts still works)', async () => {
  const tenantId = uniqueTenant();
  const gql = h.client({ tenantId, userId: 'rep-1' });
  const c = await h.contact(tenantId);
  const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'Early', amount: { amount: '1', currency: 'EUR' }, ownerId: 'colleague-not-yet-known' } })).createDeal;
  expect(deal.ownerId).toBe('colleague-not-yet-known');
});

it('users and the tenant profile arrive over Kafka; deals and tasks then refuse unknown and deactivated owners (field named, nothing written); the team filter', async () => {
  const tenantId = uniqueTenant();
  const gql = h.client({ tenantId, userId: 'boss' });
  const c = await h.contact(tenantId);
  await h.publishContactEvent(tenantId, UserProvisionedV1.type, 'rep-1', user('rep-1', { timeZone: 'Asia/Tokyo' }));
  await h.publishContactEvent(tenantId, UserProvisionedV1.type, 'rep-2', user('rep-2'));
  await h.publishContactEvent(tenantId, UserProvisionedV1.type, 'gone', user('gone'));
  await h.publishContactEvent(tenantId, UserDeactivatedV1.type, 'gone', user('gone', { version: 2, active: false }));
  // A late, older snapshot (redelivery) does not bring the user back.
  await h.publishContactEvent(tenantId, UserProvisionedV1.type, 'gone', user('gone'));
  await h.publishContactEvent(tenantId, TenantProfileUpdatedV1.type, tenantId, { ...exampleTenantProfile, version: 2, changed: ['legalName'] });
  await h.publishContactEvent(tenantId, TeamCreatedV1.type, TEAM_ID, { teamId: TEAM_ID, version: 1, name: 'Benelux', leadId: 'rep-1', memberIds: ['rep-1'], archived: false });
  await waitUser(tenantId, 'rep-1', 1);
  await waitUser(tenantId, 'rep-2', 1);
  await waitUser(tenantId, 'gone', 2);
  await eventually(async () => (await h.sql(`SELECT 1 FROM "${h.schema}".directory_teams WHERE tenant_id = $1`, [tenantId])).length > 0, 30000, 'the team in the replica');

  // The lookups other contexts use (the quote's "From" block reads tenantProfile(tx)).
  const replica = h.svc.app.get(DirectoryReplica);
  const seen = await h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => ({ profile: await replica.tenantProfile(tx), users: await replica.users(tx, ['rep-1', 'gone', 'ghost']) }));
  expect(seen.profile).toEqual({ ...exampleTenantProfile, version: 2 });
  expect(seen.users.map((u) => u && { id: u.userId, active: u.active })).toEqual([{ id: 'rep-1', active: true }, { id: 'gone', active: false }, null]);
  // Sales' documents port is bound to the replica: quotes speak for the profile's company, and a user's
  // days follow their own zone, else the tenant's.
  const profiles = h.svc.app.get(TenantProfiles, { strict: false });
  const answered = await h.svc.app.get(UnitOfWork).run(tenantId, async (tx) => ({
    issuer: await profiles.documentIssuer(tx),
    repZone: await profiles.timeZone(tx, 'rep-1'),
    strangerZone: await profiles.timeZone(tx, 'ghost'),
  }));
  expect(answered).toEqual({
    issuer: { legalName: 'Analytical Engines Ltd', addressLines: ['12 St James’s Square', 'SW1Y 4JH London', 'GB'], vatId: 'GB123456789', logo: null, locale: 'en-GB', timeZone: 'Europe/London', currency: 'GBP' },
    repZone: 'Asia/Tokyo',
    strangerZone: 'Europe/London',
  });

  const base = { contactId: c.contactId, amount: { amount: '100', currency: 'EUR' } };
  const before = { deals: await dealsOf(tenantId), outbox: await h.outboxCount(tenantId) };
  expect(fields(expectError(await gql(Q.createDeal, { i: { ...base, title: 'X', ownerId: 'nobody-at-all' } }), 'BAD_USER_INPUT', /nobody-at-all is not a user of this tenant/))).toEqual(['input.ownerId']);
  expect(fields(expectError(await gql(Q.createDeal, { i: { ...base, title: 'X', ownerId: 'gone' } }), 'BAD_USER_INPUT', /gone is deactivated/))).toEqual(['input.ownerId']);
  expect({ deals: await dealsOf(tenantId), outbox: await h.outboxCount(tenantId) }).toEqual(before);

  // The signed-in user ('boss', not in the replica) is always accepted; so is an active user.
  const mine = dataOf(await gql(Q.createDeal, { i: { ...base, title: 'Mine' } })).createDeal;
  const leas = dataOf(await gql(Q.createDeal, { i: { ...base, title: 'Rep 1', ownerId: 'rep-1' } })).createDeal;
  expect([mine.ownerId, leas.ownerId]).toEqual(['boss', 'rep-1']);
  expect(fields(expectError(await gql(Q.updateDeal, { id: mine.id, i: { ownerId: 'nobody-at-all' } }), 'BAD_USER_INPUT'))).toEqual(['input.ownerId']);
  expect(dataOf(await gql(Q.updateDeal, { id: mine.id, i: { ownerId: 'rep-2' } })).updateDeal.ownerId).toBe('rep-2');

  const dueAt = new Date(Date.now() + 86_400_000).toISOString();
  expect(fields(expectError(await gql(TASK.create, { i: { title: 'Call', contactId: c.contactId, dueAt, assigneeId: 'nobody-at-all' } }), 'BAD_USER_INPUT'))).toEqual(['input.assigneeId']);
  const t1 = dataOf(await gql(TASK.create, { i: { title: 'Call', contactId: c.contactId, dueAt, assigneeId: 'rep-1' } })).createTask;
  const t2 = dataOf(await gql(TASK.create, { i: { title: 'Mail', contactId: c.contactId, dueAt } })).createTask;
  expect(fields(expectError(await gql(TASK.update, { id: t2.id, i: { assigneeId: 'gone' } }), 'BAD_USER_INPUT', /deactivated/))).toEqual(['input.assigneeId']);

  // Lists by team: owned by / assigned to a member of the team.
  expect(dataOf(await gql(Q.deals, { f: { teamId: TEAM_ID } })).deals.edges.map((e: any) => e.node.id)).toEqual([leas.id]);
  expect(dataOf(await gql(TASK.list, { f: { teamId: TEAM_ID } })).tasks.edges.map((e: any) => e.node.id)).toEqual([t1.id]);
  expect(dataOf(await gql(Q.deals, { f: { teamId: '00000000-0000-4000-8000-000000000000' } })).deals.totalCount).toBe(0);
  expect(fields(expectError(await gql(Q.deals, { f: { teamId: 'team-x' } }), 'BAD_USER_INPUT'))).toEqual(['filter.teamId']);

  // The deals CSV import: an unknown owner is a reported line, not an abort.
  const csv = ['title,amount,currency,contactId,ownerId', `A,1,EUR,${c.contactId},rep-1`, `B,2,EUR,${c.contactId},nobody-at-all`, `C,3,EUR,${c.contactId},`, `D,4,EUR,${c.contactId},nobody-at-all`].join('\n');
  const report = dataOf(await gql(IMPORT, { csv })).importDealsCsv;
  expect(report).toEqual({
    rows: 4, created: 2, failed: 2,
    errors: [{ row: 3, message: 'ownerId: nobody-at-all is not a user of this tenant' }, { row: 5, message: 'ownerId: nobody-at-all is not a user of this tenant' }],
  });
});
