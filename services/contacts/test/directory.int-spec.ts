import { dataOf, uniqueTenant, type TopicRecorder } from '@crm/testing';
import { ProvisionUser } from '../src/directory/provision-user';
import { expectError, expectEvent, startContacts, type Harness } from './harness';

/** Issue 10 §2 through the real contacts service (Postgres, Kafka): the directory, the tenant profile, owners that must be users. */

const USER = 'id name email active timeZone locale roles version';
const TEAM = `id name archived version lead { id } members { id name }`;
const PROFILE = 'legalName address { line1 line2 city region postalCode country } vatId logoUrl defaultCurrency timeZone locale fiscalYearStartMonth version';
const M = {
  me: `{ me { ${USER} } }`,
  user: `query($id: ID!) { user(id: $id) { ${USER} } }`,
  users: `query($first: Int, $after: String, $filter: UserFilter) { users(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { id name active } } } }`,
  updateUser: `mutation($id: ID!, $i: UpdateUserInput!) { updateUser(id: $id, input: $i) { ${USER} } }`,
  createUser: `mutation($i: CreateUserInput!) { createUser(input: $i) { ${USER} awaitingSignIn } }`,
  setActive: `mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { ${USER} } }`,
  createTeam: `mutation($i: CreateTeamInput!) { createTeam(input: $i) { ${TEAM} } }`,
  updateTeam: `mutation($id: ID!, $i: UpdateTeamInput!) { updateTeam(id: $id, input: $i) { ${TEAM} } }`,
  archiveTeam: `mutation($id: ID!) { archiveTeam(id: $id) { ${TEAM} } }`,
  teams: `query($filter: TeamFilter) { teams(first: 50, filter: $filter) { totalCount edges { node { id name } } } }`,
  profile: `{ tenantProfile { ${PROFILE} } }`,
  updateProfile: `mutation($i: UpdateTenantProfileInput!) { updateTenantProfile(input: $i) { ${PROFILE} } }`,
  createContact: `mutation($i: CreateContactInput!) { createContact(input: $i) { id ownerId } }`,
  updateContact: `mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { id ownerId version } }`,
  bulk: `mutation($f: ContactFilter!, $i: BulkUpdateContactsInput!) { bulkUpdateContacts(filter: $f, input: $i) { updated remaining } }`,
  createCompany: `mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id ownerId } }`,
  updateCompany: `mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { id ownerId } }`,
  importCsv: `mutation($csv: String!) { importContactsCsv(csv: $csv) { created failed errors { row message } } }`,
  contacts: `query($filter: ContactFilter) { contacts(first: 100, filter: $filter) { totalCount edges { node { id ownerId } } } }`,
  companies: `query($filter: CompanyFilter) { companies(first: 100, filter: $filter) { totalCount edges { node { id ownerId } } } }`,
};
const EVENT = {
  provisioned: 'crm.contacts.user.provisioned.v1',
  userUpdated: 'crm.contacts.user.updated.v1',
  deactivated: 'crm.contacts.user.deactivated.v1',
  teamCreated: 'crm.contacts.team.created.v1',
  teamUpdated: 'crm.contacts.team.updated.v1',
  teamArchived: 'crm.contacts.team.archived.v1',
  profile: 'crm.contacts.tenant-profile.updated.v1',
};

let h: Harness;
let rec: TopicRecorder;
beforeAll(async () => {
  h = await startContacts();
  rec = await h.recorder();
});
afterAll(async () => {
  await rec?.stop();
  await h?.stop();
});

const fields = (e: { extensions?: Record<string, any> }) => (e.extensions?.fields as { field: string }[]).map((f) => f.field).sort();

describe('users', () => {
  it('a first request provisions the user from the token claims, once (user.provisioned); an admin edits them and the token never overwrites the edit', async () => {
    const tenantId = uniqueTenant();
    const ada = h.client({ tenantId, userId: 'auth0|ada', roles: ['rep'], profile: { name: 'Ada Lovelace', email: 'Ada@Example.com', tz: 'europe/london', locale: 'en-gb' } });
    expect(dataOf(await ada(M.me)).me).toEqual({ id: 'auth0|ada', name: 'Ada Lovelace', email: 'ada@example.com', active: true, timeZone: 'Europe/London', locale: 'en-GB', roles: ['REP'], version: 1 });
    await ada(M.me);
    expect(await h.count('users', tenantId)).toBe(1);
    expect(await h.outboxCount(tenantId, EVENT.provisioned)).toBe(1);
    const ev = await expectEvent(rec, { type: EVENT.provisioned, subject: 'auth0|ada', tenantId });
    expect(ev.data).toEqual({ userId: 'auth0|ada', version: 1, name: 'Ada Lovelace', email: 'ada@example.com', active: true, timeZone: 'Europe/London', locale: 'en-GB', roles: ['rep'] });

    // No name claim: the email, else the subject, names the user; malformed optional claims are left out, not refused.
    const bare = h.client({ tenantId, userId: 'auth0|bare', roles: ['rep'], profile: { email: 'not-an-email', tz: 'Mars/Olympus', locale: '!!' } });
    expect(dataOf(await bare(M.me)).me).toMatchObject({ id: 'auth0|bare', name: 'auth0|bare', email: null, timeZone: null, locale: null });

    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const edited = dataOf(await admin(M.updateUser, { id: 'auth0|ada', i: { name: 'Augusta Ada King', roles: ['MANAGER', 'REP'], timeZone: 'Europe/Paris' } })).updateUser;
    expect(edited).toMatchObject({ name: 'Augusta Ada King', roles: ['MANAGER', 'REP'], timeZone: 'Europe/Paris', version: 2 });
    const up = await expectEvent(rec, { type: EVENT.userUpdated, subject: 'auth0|ada', tenantId });
    expect(up.data).toMatchObject({ version: 2, roles: ['manager', 'rep'], changed: ['name', 'timeZone', 'roles'] });
    // A later request with the old claims (as from another process, which never saw Ada) does not undo the admin's edit.
    (h.svc.app.get(ProvisionUser) as unknown as { known: Set<string> }).known.clear();
    dataOf(await h.client({ tenantId, userId: 'auth0|ada', roles: ['rep'], profile: { name: 'Ada Lovelace' } })(M.me));
    expect(await h.outboxCount(tenantId, EVENT.provisioned)).toBe(3);
    expect(dataOf(await admin(M.user, { id: 'auth0|ada' })).user).toMatchObject({ name: 'Augusta Ada King', version: 2 });
  });

  it('an admin creates a colleague ahead of their first sign-in (user.provisioned by the admin, team.updated, audited); records can be assigned to them; their sign-in keeps the admin’s name, roles and team and fills in only what was left empty', async () => {
    const tenantId = uniqueTenant();
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const team = dataOf(await admin(M.createTeam, { i: { name: 'Benelux' } })).createTeam;
    const archived = dataOf(await admin(M.createTeam, { i: { name: 'Old' } })).createTeam;
    dataOf(await admin(M.archiveTeam, { id: archived.id }));
    // Before: an owner who never signed in is not a user of the tenant.
    expectError(await admin(M.createContact, { i: { firstName: 'Eve', ownerId: 'idp|linus' } }), 'BAD_USER_INPUT', /not a user of this tenant/);

    const created = dataOf(await admin(M.createUser, { i: { id: 'idp|linus', name: 'Linus', roles: ['MANAGER'], locale: 'nl-be', teamId: team.id } })).createUser;
    expect(created).toEqual({ id: 'idp|linus', name: 'Linus', email: null, active: true, timeZone: null, locale: 'nl-BE', roles: ['MANAGER'], version: 1, awaitingSignIn: true });
    const ev = await expectEvent(rec, { type: EVENT.provisioned, subject: 'idp|linus', tenantId });
    expect([ev.data, ev.actorid]).toEqual([{ userId: 'idp|linus', version: 1, name: 'Linus', email: null, active: true, timeZone: null, locale: 'nl-BE', roles: ['manager'] }, 'boss']);
    await expectEvent(rec, { type: EVENT.teamUpdated, subject: team.id, tenantId, where: (d: any) => d.changed.includes('members') && d.memberIds.includes('idp|linus') });
    const audit = await h.sql(
      `SELECT entity, actor_id, action FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity_id IN ('idp|linus', $2) ORDER BY entity`,
      [tenantId, `${team.id}:idp|linus`],
    );
    expect(audit).toEqual([{ entity: 'team-member', actor_id: 'boss', action: 'create' }, { entity: 'user', actor_id: 'boss', action: 'create' }]);
    const owned = dataOf(await admin(M.createContact, { i: { firstName: 'Eve', ownerId: 'idp|linus' } })).createContact;
    expect(owned.ownerId).toBe('idp|linus');

    // A taken id (created ahead, or signed in) is a CONFLICT naming input.id; bad fields are BAD_USER_INPUT naming each; a non-admin is FORBIDDEN; nothing written.
    const users = await h.sql(`SELECT * FROM "${h.schema}".users WHERE tenant_id = $1 ORDER BY user_id`, [tenantId]);
    const outbox = await h.outboxCount(tenantId);
    for (const id of ['idp|linus', 'boss']) {
      const e = expectError(await admin(M.createUser, { i: { id, name: 'Again', roles: ['REP'] } }), 'CONFLICT', new RegExp(`user ${id.replace('|', '\\|')} is already in this tenant's directory`));
      expect(fields(e)).toEqual(['input.id']);
    }
    const bad = expectError(await admin(M.createUser, { i: { id: ' ', name: ' ', email: 'nope', timeZone: 'Mars/Olympus', locale: '!!', roles: ['REP'] } }), 'BAD_USER_INPUT');
    expect(fields(bad)).toEqual(['input.email', 'input.id', 'input.locale', 'input.name', 'input.timeZone']);
    expect(fields(expectError(await admin(M.createUser, { i: { id: 'idp|x', name: 'X', roles: [], teamId: archived.id } }), 'BAD_USER_INPUT', /archived/))).toEqual(['input.teamId']);
    expect(fields(expectError(await admin(M.createUser, { i: { id: 'idp|x', name: 'X', roles: [], teamId: 'nope' } }), 'BAD_USER_INPUT', /does not exist/))).toEqual(['input.teamId']);
    expectError(await h.client({ tenantId, userId: 'idp|linus', roles: ['manager'] })(M.createUser, { i: { id: 'idp|y', name: 'Y', roles: ['ADMIN'] } }), 'FORBIDDEN');
    expect(await h.sql(`SELECT * FROM "${h.schema}".users WHERE tenant_id = $1 ORDER BY user_id`, [tenantId])).toEqual(users);
    expect(await h.outboxCount(tenantId)).toBe(outbox);

    // The first sign-in (its token says rep, another name, another locale): the admin's name, roles, locale and team stay; the email and time zone the admin left empty come from the claims.
    const linus = h.client({ tenantId, userId: 'idp|linus', roles: ['rep'], profile: { name: 'L. Torvalds', email: 'Linus@Example.com', tz: 'europe/brussels', locale: 'fi' } });
    expect(dataOf(await linus(`{ me { ${USER} awaitingSignIn } }`)).me).toEqual({
      id: 'idp|linus', name: 'Linus', email: 'linus@example.com', active: true, timeZone: 'Europe/Brussels', locale: 'nl-BE', roles: ['MANAGER'], version: 2, awaitingSignIn: false,
    });
    const filled = await expectEvent(rec, { type: EVENT.userUpdated, subject: 'idp|linus', tenantId });
    expect(filled.data).toMatchObject({ version: 2, name: 'Linus', email: 'linus@example.com', timeZone: 'Europe/Brussels', locale: 'nl-BE', roles: ['manager'], changed: ['email', 'timeZone'] });
    expect(dataOf(await admin(M.users, { filter: { teamId: team.id } })).users.edges.map((x: any) => x.node.id)).toEqual(['idp|linus']);
    expect(await h.outboxCount(tenantId, EVENT.provisioned)).toBe(2); // boss, linus: the sign-in provisioned no one
    // Later sign-ins (another process, never saw linus) change nothing.
    (h.svc.app.get(ProvisionUser) as unknown as { known: Set<string> }).known.clear();
    dataOf(await h.client({ tenantId, userId: 'idp|linus', roles: ['rep'], profile: { name: 'Someone else', email: 'other@example.com' } })(M.me));
    expect(dataOf(await admin(M.user, { id: 'idp|linus' })).user).toMatchObject({ name: 'Linus', email: 'linus@example.com', version: 2 });
    expect(await h.outboxCount(tenantId, EVENT.userUpdated)).toBe(1);
  });

  it('bad input is BAD_USER_INPUT naming each field, with nothing written; an unknown user is NOT_FOUND; a non-admin is FORBIDDEN', async () => {
    const tenantId = uniqueTenant();
    await h.provision(tenantId, 'u1');
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    dataOf(await admin(M.me));
    const before = await h.sql(`SELECT * FROM "${h.schema}".users WHERE tenant_id = $1 ORDER BY user_id`, [tenantId]);
    const outbox = await h.outboxCount(tenantId);
    const e = expectError(await admin(M.updateUser, { id: 'u1', i: { name: ' ', email: 'nope', timeZone: '+02:00', locale: 'xx_!!' } }), 'BAD_USER_INPUT');
    expect(fields(e)).toEqual(['input.email', 'input.locale', 'input.name', 'input.timeZone']);
    expectError(await admin(M.updateUser, { id: 'ghost', i: { name: 'X' } }), 'NOT_FOUND');
    expectError(await h.client({ tenantId, userId: 'u1', roles: ['manager'] })(M.updateUser, { id: 'u1', i: { name: 'Me, promoted' } }), 'FORBIDDEN');
    expectError(await h.client({ tenantId, userId: 'u1', roles: ['manager'] })(M.setActive, { id: 'u1', a: false }), 'FORBIDDEN');
    expect(await h.sql(`SELECT * FROM "${h.schema}".users WHERE tenant_id = $1 ORDER BY user_id`, [tenantId])).toEqual(before);
    expect(await h.outboxCount(tenantId)).toBe(outbox);
    // Every role may read the directory.
    expect(dataOf(await h.client({ tenantId, userId: 'ro', roles: ['read-only'] })(M.users, {})).users.totalCount).toBe(3);
  });

  it('deactivate (user.deactivated) and reactivate (user.updated); a deactivated user cannot be named owner; users page by name and filter', async () => {
    const tenantId = uniqueTenant();
    await h.provision(tenantId, 'carol', 'dave');
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    expect(dataOf(await admin(M.setActive, { id: 'dave', a: false })).setUserActive).toMatchObject({ active: false, version: 2 });
    await expectEvent(rec, { type: EVENT.deactivated, subject: 'dave', tenantId, where: (d: any) => d.active === false });
    expect(dataOf(await admin(M.setActive, { id: 'dave', a: false })).setUserActive.version).toBe(2);
    const e = expectError(await admin(M.createContact, { i: { firstName: 'Eve', ownerId: 'dave' } }), 'BAD_USER_INPUT', /deactivated/);
    expect(fields(e)).toEqual(['input.ownerId']);
    expect(dataOf(await admin(M.users, { filter: { active: false } })).users.edges.map((x: any) => x.node.id)).toEqual(['dave']);
    expect(dataOf(await admin(M.setActive, { id: 'dave', a: true })).setUserActive).toMatchObject({ active: true, version: 3 });
    await expectEvent(rec, { type: EVENT.userUpdated, subject: 'dave', tenantId, where: (d: any) => d.changed[0] === 'active' && d.active });
    const p1 = dataOf(await admin(M.users, { first: 2 })).users;
    const p2 = dataOf(await admin(M.users, { first: 2, after: p1.pageInfo.endCursor })).users;
    expect([...p1.edges, ...p2.edges].map((x: any) => x.node.id)).toEqual(['boss', 'carol', 'dave']);
    expect(p1.totalCount).toBe(3);
    expect(dataOf(await admin(M.users, { filter: { search: 'CAR' } })).users.edges.map((x: any) => x.node.id)).toEqual(['carol']);
  });
});

describe('teams', () => {
  it('create, rename, add and remove members, archive — each with its event; bad members name their field; the team filter of the lists', async () => {
    const tenantId = uniqueTenant();
    await h.provision(tenantId, 'lea', 'max', 'noa');
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });

    const bad = expectError(await admin(M.createTeam, { i: { name: 'Benelux', leadId: 'ghost', memberIds: ['max', 'nobody-at-all'] } }), 'BAD_USER_INPUT');
    expect(fields(bad)).toEqual(['input.leadId', 'input.memberIds.1']);
    expect(await h.footprint(tenantId)).toMatchObject({ teams: 0, team_members: 0, outbox: 0 });
    expectError(await h.client({ tenantId, userId: 'lea', roles: ['manager'] })(M.createTeam, { i: { name: 'Benelux' } }), 'FORBIDDEN');

    const team = dataOf(await admin(M.createTeam, { i: { name: 'Benelux', leadId: 'lea', memberIds: ['max'] } })).createTeam;
    expect(team).toMatchObject({ name: 'Benelux', archived: false, version: 1, lead: { id: 'lea' } });
    expect(team.members.map((m: any) => m.id)).toEqual(['lea', 'max']);
    const created = await expectEvent(rec, { type: EVENT.teamCreated, subject: team.id, tenantId });
    expect(created.data).toEqual({ teamId: team.id, version: 1, name: 'Benelux', leadId: 'lea', memberIds: ['lea', 'max'], archived: false });
    expectError(await admin(M.createTeam, { i: { name: 'benelux' } }), 'CONFLICT');

    const e2 = expectError(await admin(M.updateTeam, { id: team.id, i: { removeMemberIds: ['lea'] } }), 'BAD_USER_INPUT', /leads the team/);
    expect(fields(e2)).toEqual(['input.removeMemberIds.0']);
    const renamed = dataOf(await admin(M.updateTeam, { id: team.id, i: { name: 'Benelux field', addMemberIds: ['noa'], removeMemberIds: ['max'] } })).updateTeam;
    expect(renamed).toMatchObject({ name: 'Benelux field', version: 2 });
    expect(renamed.members.map((m: any) => m.id).sort()).toEqual(['lea', 'noa']);
    const upd = await expectEvent(rec, { type: EVENT.teamUpdated, subject: team.id, tenantId });
    expect(upd.data).toMatchObject({ name: 'Benelux field', memberIds: ['lea', 'noa'], changed: ['name', 'members'] });
    expectError(await admin(M.updateTeam, { id: '00000000-0000-4000-8000-000000000000', i: { name: 'x' } }), 'NOT_FOUND');

    // Lists filtered by team: owned by a member of the team.
    const byLea = dataOf(await admin(M.createContact, { i: { firstName: 'Owned by Lea', ownerId: 'lea' } })).createContact;
    const byMax = dataOf(await admin(M.createContact, { i: { firstName: 'Owned by Max', ownerId: 'max' } })).createContact;
    const byNoa = dataOf(await admin(M.createContact, { i: { firstName: 'Owned by Noa', ownerId: 'noa' } })).createContact;
    const coLea = dataOf(await admin(M.createCompany, { i: { name: 'Lea Corp', ownerId: 'lea' } })).createCompany;
    dataOf(await admin(M.createCompany, { i: { name: 'Max Corp', ownerId: 'max' } }));
    const inTeam = dataOf(await admin(M.contacts, { filter: { teamId: team.id } })).contacts;
    expect(inTeam.edges.map((x: any) => x.node.id).sort()).toEqual([byLea.id, byNoa.id].sort());
    expect(inTeam.totalCount).toBe(2);
    expect(byMax.ownerId).toBe('max');
    expect(dataOf(await admin(M.companies, { filter: { teamId: team.id } })).companies.edges.map((x: any) => x.node.id)).toEqual([coLea.id]);
    expect(fields(expectError(await admin(M.contacts, { filter: { teamId: 'not-a-team' } }), 'BAD_USER_INPUT'))).toEqual(['filter.teamId']);

    expect(dataOf(await admin(M.archiveTeam, { id: team.id })).archiveTeam).toMatchObject({ archived: true, version: 3 });
    await expectEvent(rec, { type: EVENT.teamArchived, subject: team.id, tenantId, where: (d: any) => d.archived });
    expect(dataOf(await admin(M.teams, {})).teams.totalCount).toBe(0);
    expect(dataOf(await admin(M.teams, { filter: { includeArchived: true } })).teams.totalCount).toBe(1);
    expectError(await admin(M.updateTeam, { id: team.id, i: { name: 'again' } }), 'CONFLICT');
  });
});

describe('the tenant profile', () => {
  it('null until set; an admin sets it (tenant-profile.updated); each bad field named with nothing written; FORBIDDEN for others', async () => {
    const tenantId = uniqueTenant();
    const admin = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    expect(dataOf(await admin(M.profile)).tenantProfile).toBeNull();
    const e = expectError(
      await admin(M.updateProfile, {
        i: { defaultCurrency: 'XYZ', timeZone: 'Nowhere/City', locale: 'not a locale', fiscalYearStartMonth: 13, logoUrl: 'http://insecure.example/logo.png', address: { country: 'Britain' } },
      }),
      'BAD_USER_INPUT',
    );
    expect(fields(e)).toEqual(['input.address.country', 'input.defaultCurrency', 'input.fiscalYearStartMonth', 'input.locale', 'input.logoUrl', 'input.timeZone']);
    const big = `data:image/png;base64,${'A'.repeat(70_000)}`;
    expect(fields(expectError(await admin(M.updateProfile, { i: { logoUrl: big } }), 'BAD_USER_INPUT'))).toEqual(['input.logoUrl']);
    expect(fields(expectError(await admin(M.updateProfile, { i: { logoUrl: 'data:text/html;base64,PHNjcmlwdD4=' } }), 'BAD_USER_INPUT'))).toEqual(['input.logoUrl']);
    expectError(await h.client({ tenantId, userId: 'm', roles: ['manager'] })(M.updateProfile, { i: { legalName: 'Mine' } }), 'FORBIDDEN');
    expect(await h.count('tenant_profiles', tenantId)).toBe(0);
    expect(await h.outboxCount(tenantId, EVENT.profile)).toBe(0);

    const set = dataOf(
      await admin(M.updateProfile, {
        i: {
          legalName: 'Analytical Engines Ltd', vatId: 'GB123456789', defaultCurrency: 'gbp', timeZone: 'Europe/London', locale: 'en-GB', fiscalYearStartMonth: 4,
          address: { line1: '12 St James’s Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'gb' }, logoUrl: 'data:image/png;base64,iVBORw0KGgo=',
        },
      }),
    ).updateTenantProfile;
    expect(set).toEqual({
      legalName: 'Analytical Engines Ltd', vatId: 'GB123456789', defaultCurrency: 'GBP', timeZone: 'Europe/London', locale: 'en-GB', fiscalYearStartMonth: 4, version: 1,
      address: { line1: '12 St James’s Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' }, logoUrl: 'data:image/png;base64,iVBORw0KGgo=',
    });
    const ev = await expectEvent(rec, { type: EVENT.profile, subject: tenantId, tenantId });
    expect(ev.data).toMatchObject({ version: 1, legalName: 'Analytical Engines Ltd', defaultCurrency: 'GBP', fiscalYearStartMonth: 4 });
    const again = dataOf(await admin(M.updateProfile, { i: { vatId: null, legalName: 'Analytical Engines Ltd' } })).updateTenantProfile;
    expect(again).toMatchObject({ vatId: null, legalName: 'Analytical Engines Ltd', version: 2 });
    await expectEvent(rec, { type: EVENT.profile, subject: tenantId, tenantId, where: (d: any) => d.version === 2 && d.changed.join() === 'vatId' });
    expect(dataOf(await h.client({ tenantId, userId: 'ro', roles: ['read-only'] })(M.profile)).tenantProfile.version).toBe(2);
    // The audit trail has who changed the profile, and what (the second change: only the VAT id).
    const log = dataOf(
      await admin(`query($f: AuditFilter) { contactsAuditLog(filter: $f) { edges { node { actorId entity entityId action changes { field old new } } } } }`, { f: { entity: 'tenant-profile' } }),
    ).contactsAuditLog.edges.map((e: any) => e.node);
    expect(log.map((n: any) => [n.actorId, n.entityId, n.action])).toEqual([['boss', tenantId, 'update'], ['boss', tenantId, 'create']]);
    expect(log[0].changes).toEqual([{ field: 'vat_id', old: JSON.stringify('GB123456789'), new: null }]);
  });
});

describe('owners must be active users of the tenant', () => {
  it('contacts and companies: create, update, bulk update and the CSV import refuse an unknown owner (the field named, nothing written)', async () => {
    const tenantId = uniqueTenant();
    await h.provision(tenantId, 'rep-1');
    const gql = h.client({ tenantId, userId: 'boss', roles: ['admin'] });
    const c = dataOf(await gql(M.createContact, { i: { firstName: 'Grace' } })).createContact;
    expect(c.ownerId).toBe('boss');
    const co = dataOf(await gql(M.createCompany, { i: { name: 'Hopper & Co' } })).createCompany;
    const before = await h.footprint(tenantId);

    for (const [q, v] of [
      [M.createContact, { i: { firstName: 'X', ownerId: 'nobody-at-all' } }],
      [M.updateContact, { id: c.id, i: { ownerId: 'nobody-at-all' } }],
      [M.bulk, { f: {}, i: { ownerId: 'nobody-at-all' } }],
      [M.createCompany, { i: { name: 'Nobody Inc', ownerId: 'nobody-at-all' } }],
      [M.updateCompany, { id: co.id, i: { ownerId: 'nobody-at-all' } }],
    ] as const) {
      const e = expectError(await gql(q, v), 'BAD_USER_INPUT', /nobody-at-all is not a user of this tenant/);
      expect(fields(e)).toEqual(['input.ownerId']);
    }
    // A user of another tenant is no user of this one.
    await h.provision(uniqueTenant(), 'foreigner');
    expectError(await gql(M.updateContact, { id: c.id, i: { ownerId: 'foreigner' } }), 'BAD_USER_INPUT');
    expect(await h.footprint(tenantId)).toEqual(before);

    expect(dataOf(await gql(M.updateContact, { id: c.id, i: { ownerId: 'rep-1' } })).updateContact.ownerId).toBe('rep-1');
    expect(dataOf(await gql(M.updateCompany, { id: co.id, i: { ownerId: 'rep-1' } })).updateCompany.ownerId).toBe('rep-1');
    expect(dataOf(await gql(M.bulk, { f: {}, i: { ownerId: 'boss' } })).bulkUpdateContacts.updated).toBe(1);

    const csv = ['firstName,lastName,email,ownerId', 'Ann,One,ann@one.example,rep-1', 'Bob,Two,bob@two.example,nobody-at-all', 'Cy,Three,cy@three.example,', 'Di,Four,di@four.example,nobody-at-all'].join('\n');
    const report = dataOf(await gql(M.importCsv, { csv })).importContactsCsv;
    expect(report).toMatchObject({ created: 2, failed: 2 });
    expect(report.errors).toEqual([
      { row: 3, message: expect.stringMatching(/ownerId: nobody-at-all is not a user of this tenant/) },
      { row: 5, message: expect.stringMatching(/ownerId: nobody-at-all is not a user of this tenant/) },
    ]);
  });
});
