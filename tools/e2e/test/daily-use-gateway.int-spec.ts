import { startContactsAndSales, type ContactsSalesStack } from './support';
import { validateEvent } from '@crm/events';
import { adminQuery, dataOf, eventually, gatewayClient, uniqueTenant, type GqlResult } from '@crm/testing';

/**
 * Issue 10 §1–§3 through the real gateway (contacts + sales on real Postgres and Kafka, one boot):
 * every "edit and undo" capability, table-driven. Each row makes its bad calls first — the error
 * code, the fields it names, and nothing written in the owning module (no outbox row, no audit
 * entry) — then its valid call: the result, its …v1 event in the outbox (with the token's user as
 * `actorid`) and its audit entry (the token's user, the changed fields).
 */
const ACTOR = 'alice';
const today = () => new Date().toISOString().slice(0, 10);
const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';

const CONTACT = `id version ownerId tags lifecycleStage archivedAt email emails { email primary } phone phones { e164 primary }`;
const COMPANY = `id name legalName domains industry size vatId tags ownerId mergedIntoId address { line1 city postalCode country }`;
const PIPELINE = `id name stages { id name position probability archivedAt }`;
const DEAL = `id status ownerId archivedAt closedAt stage { id }`;
const QUOTE = `id number version status notes validUntil total { amount } lines { unitPrice { amount } } supersedes { id } supersededBy { id } revisions { id version status }`;
const TASK = `id title assigneeId dueAt remindAt remindMinutesBefore recurrence status`;
const INTERACTION = `id kind summary actorId editedBy revisions { summary editedBy }`;

const M = {
  createContact: `mutation($i: CreateContactInput!) { createContact(input: $i) { ${CONTACT} } }`,
  updateContact: `mutation($id: ID!, $i: UpdateContactInput!) { updateContact(id: $id, input: $i) { ${CONTACT} } }`,
  setEmails: `mutation($id: ID!, $i: SetContactEmailsInput!) { setContactEmails(id: $id, input: $i) { ${CONTACT} } }`,
  setPhones: `mutation($id: ID!, $i: SetContactPhonesInput!) { setContactPhones(id: $id, input: $i) { ${CONTACT} } }`,
  archiveContact: `mutation($id: ID!) { archiveContact(id: $id) { ${CONTACT} } }`,
  restoreContact: `mutation($id: ID!) { restoreContact(id: $id) { ${CONTACT} } }`,
  bulk: `mutation($f: ContactFilter!, $i: BulkUpdateContactsInput!) { bulkUpdateContacts(filter: $f, input: $i) { updated updatedIds remaining } }`,
  createCompany: `mutation($i: CreateCompanyInput!) { createCompany(input: $i) { ${COMPANY} } }`,
  updateCompany: `mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { ${COMPANY} } }`,
  mergeCompanies: `mutation($s: ID!, $d: ID!) { mergeCompanies(survivorId: $s, duplicateId: $d) { ${COMPANY} } }`,
  company: `query($id: ID!) { company(id: $id) { ${COMPANY} } }`,
  logInteraction: `mutation($i: LogInteractionInput!) { logInteraction(input: $i) { ${INTERACTION} } }`,
  editInteraction: `mutation($id: ID!, $i: EditInteractionInput!) { editInteraction(id: $id, input: $i) { ${INTERACTION} } }`,
  deleteInteraction: `mutation($id: ID!) { deleteInteraction(id: $id) { id } }`,
  createTeam: `mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }`,
  setUserActive: `mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { id active } }`,
  createPipeline: `mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { ${PIPELINE} } }`,
  updatePipeline: `mutation($id: ID!, $i: UpdatePipelineInput!) { updatePipeline(id: $id, input: $i) { id name isDefault } }`,
  addStage: `mutation($p: ID!, $i: AddStageInput!) { addStage(pipelineId: $p, input: $i) { ${PIPELINE} } }`,
  updateStage: `mutation($id: ID!, $i: UpdateStageInput!) { updateStage(id: $id, input: $i) { id name probability probabilityHistory { fromProbability toProbability changedBy } } }`,
  reorderStages: `mutation($p: ID!, $s: [ID!]!) { reorderStages(pipelineId: $p, stageIds: $s) { ${PIPELINE} } }`,
  archiveStage: `mutation($id: ID!) { archiveStage(id: $id) { ${PIPELINE} } }`,
  createDeal: `mutation($i: CreateDealInput!) { createDeal(input: $i) { ${DEAL} } }`,
  updateDeal: `mutation($id: ID!, $i: UpdateDealInput!) { updateDeal(id: $id, input: $i) { ${DEAL} } }`,
  winDeal: `mutation($id: ID!) { winDeal(id: $id) { ${DEAL} } }`,
  reopenDeal: `mutation($id: ID!) { reopenDeal(id: $id) { ${DEAL} } }`,
  archiveDeal: `mutation($id: ID!) { archiveDeal(id: $id) { ${DEAL} } }`,
  commissionRule: `mutation($i: CreateCommissionRuleInput!) { createCommissionRule(input: $i) { id } }`,
  commissions: `query($d: Date!, $o: String) { commissions(from: $d, to: $d, ownerId: $o) { total { amount } entries { id sourceId commission { amount } basis { amount } reversalOf } } }`,
  createProduct: `mutation($i: CreateProductInput!) { createProduct(input: $i) { id name active } }`,
  updateProduct: `mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id name sku taxRate active } }`,
  deactivateProduct: `mutation($id: ID!) { deactivateProduct(id: $id) { id active } }`,
  reactivateProduct: `mutation($id: ID!) { reactivateProduct(id: $id) { id active } }`,
  createPriceList: `mutation($i: CreatePriceListInput!) { createPriceList(input: $i) { id } }`,
  setPrice: `mutation($l: ID!, $i: PriceInput!, $e: Date) { setPrice(priceListId: $l, input: $i, effectiveFrom: $e) { id } }`,
  priceHistory: `query($l: ID!, $p: ID!) { priceHistory(priceListId: $l, productId: $p) { effectiveFrom setBy unitPrice { amount } } }`,
  createQuote: `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { ${QUOTE} } }`,
  updateQuote: `mutation($id: ID!, $i: UpdateQuoteInput!) { updateQuote(id: $id, input: $i) { ${QUOTE} } }`,
  sendQuote: `mutation($id: ID!) { sendQuote(id: $id) { id status } }`,
  reviseQuote: `mutation($id: ID!, $i: UpdateQuoteInput) { reviseQuote(id: $id, input: $i) { ${QUOTE} } }`,
  quote: `query($id: ID!) { quote(id: $id) { ${QUOTE} } }`,
  createTask: `mutation($i: CreateTaskInput!) { createTask(input: $i) { ${TASK} } }`,
  updateTask: `mutation($id: ID!, $i: UpdateTaskInput!) { updateTask(id: $id, input: $i) { ${TASK} } }`,
  deleteTask: `mutation($id: ID!) { deleteTask(id: $id) }`,
};

type Gql = ReturnType<typeof gatewayClient>;
type Module = 'contacts' | 'sales';
interface Tenant {
  id: string;
  /** the token of ACTOR (admin) */
  gql: Gql;
  as(userId: string, role: string): Gql;
  /** A contact of the tenant (in the sales replica too for the sales tenant) */
  contactId: string;
  /** Team North: bob */
  teamId: string;
}
/** What a valid call must have written: its event (type, subject) and its audit entry (entity, id, changed fields). */
interface Written {
  event: string;
  subject: string;
  entity: string;
  entityId: string;
  fields: string[];
  action?: 'create' | 'update' | 'delete';
}
interface Call {
  q: string;
  v: Record<string, unknown>;
  /** Another caller than ACTOR (e.g. a manager) */
  as?: [userId: string, role: string];
}
interface BadCall extends Call {
  code?: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN';
  /** extensions.fields[].field, in order */
  fields?: string[];
  message?: RegExp;
}
interface Capability<S = any> {
  name: string;
  module: Module;
  setup: (t: Tenant) => Promise<S>;
  bad: (s: S, t: Tenant) => BadCall[];
  valid: (s: S, t: Tenant) => Call & {
    check: (data: any, t: Tenant) => unknown;
    /** The writes; a function of the result when it makes a new id */
    written: Written[] | ((data: any) => Written[]);
  };
}
const capability = <S>(c: Capability<S>) => c;
const contact = async (t: Pick<Tenant, 'gql'>, i: Record<string, unknown>) => dataOf(await t.gql(M.createContact, { i })).createContact;
const company = async (t: Pick<Tenant, 'gql'>, i: Record<string, unknown>) => dataOf(await t.gql(M.createCompany, { i })).createCompany;

describe('issue 10 daily use through the gateway: every edit and undo with its bad input, event and audit entry (e2e)', () => {
  let stack: ContactsSalesStack;
  const schemaOf = (m: Module) => (m === 'contacts' ? stack.contacts : stack.sales).info.schema;
  /** One tenant per module, so that the timeline entries sales' events make in contacts never count as a contacts write. */
  const tenants = {} as Record<Module, Tenant>;

  /** What a tenant has in a module: the last outbox row and the number of audit entries (the users' own provisioning left out). */
  async function footprint(m: Module, tenantId: string) {
    const [r] = await adminQuery(
      `SELECT (SELECT coalesce(max(seq), 0)::text FROM "${schemaOf(m)}".outbox WHERE tenant_id = $1 AND type NOT LIKE '%.user.provisioned.v1') AS seq,
              (SELECT count(*)::int FROM "${schemaOf(m)}".audit_log WHERE tenant_id = $1 AND entity <> 'user') AS audit,
              clock_timestamp() AS at`,
      [tenantId],
    );
    return r as { seq: string; audit: number; at: Date };
  }

  async function newTenant(m: Module): Promise<Tenant> {
    const id = uniqueTenant();
    const as = (userId: string, role: string) => gatewayClient(stack.gw.url, { tenantId: id, userId, roles: [role] });
    const gql = as(ACTOR, 'admin');
    // The directory: alice (admin), bob (rep, in team North), mgr (manager), dave (deactivated).
    for (const [u, role] of [[ACTOR, 'admin'], ['bob', 'rep'], ['mgr', 'manager'], ['dave', 'rep']]) dataOf(await as(u, role)('{ me { id } }'));
    dataOf(await gql(M.setUserActive, { id: 'dave', a: false }));
    const teamId = dataOf(await gql(M.createTeam, { i: { name: 'North', memberIds: ['bob'] } })).createTeam.id;
    const c = await contact({ gql }, { firstName: 'Ada', lastName: 'Lovelace', email: `ada@${m}.example` });
    if (m === 'sales') {
      await stack.salesReplicaHas(id, c.id);
      await eventually(async () => (await adminQuery(`SELECT 1 FROM "${schemaOf('sales')}".directory_users WHERE tenant_id = $1 AND user_id = 'dave' AND NOT active`, [id])).length > 0, 30000, 'dave deactivated in sales');
    }
    return { id, gql, as, contactId: c.id, teamId };
  }

  beforeAll(async () => {
    stack = await startContactsAndSales('e2edu');
    [tenants.contacts, tenants.sales] = await Promise.all([newTenant('contacts'), newTenant('sales')]);
  });
  afterAll(async () => stack?.stop());

  const CAPABILITIES: Capability[] = [
    // ───────────── contacts ─────────────
    capability({
      name: 'contacts: setContactEmails adds, removes and re-orders (first = primary); an address of another contact is CONFLICT',
      module: 'contacts',
      setup: async (t) => ({
        c: await contact(t, { firstName: 'Emma', email: 'emma@one.example', otherEmails: ['emma@two.example'] }),
        other: await contact(t, { firstName: 'Other', email: 'other@x.example' }),
      }),
      bad: ({ c }) => [
        { q: M.setEmails, v: { id: c.id, i: { emails: ['emma@one.example', 'not-an-email'] } }, fields: ['input.emails.1'] },
        { q: M.setEmails, v: { id: c.id, i: { emails: ['emma@one.example', 'Other@X.example'] } }, code: 'CONFLICT', message: /other@x\.example/ },
        { q: M.setEmails, v: { id: UNKNOWN, i: { emails: [] } }, code: 'NOT_FOUND' },
      ],
      valid: ({ c }) => ({
        q: M.setEmails,
        v: { id: c.id, i: { emails: ['emma@three.example', 'emma@one.example'] } },
        check: (d) => expect(d.setContactEmails).toMatchObject({ email: 'emma@three.example', emails: [{ email: 'emma@three.example', primary: true }, { email: 'emma@one.example', primary: false }] }),
        written: [
          { event: 'crm.contacts.contact.updated.v1', subject: c.id, entity: 'contact-email', entityId: 'emma@three.example', action: 'create', fields: ['contact_id'] },
          { event: 'crm.contacts.contact.updated.v1', subject: c.id, entity: 'contact-email', entityId: 'emma@two.example', action: 'delete', fields: ['contact_id'] },
        ],
      }),
    }),
    capability({
      name: 'contacts: setContactPhones re-orders and normalises; a phone of another contact is CONFLICT',
      module: 'contacts',
      setup: async (t) => ({ c: await contact(t, { firstName: 'Phil', phone: '+442071838750' }), other: await contact(t, { firstName: 'Other', phone: '+442079460018' }) }),
      bad: ({ c }) => [
        { q: M.setPhones, v: { id: c.id, i: { phones: ['12'] } }, fields: ['input.phones.0'] },
        { q: M.setPhones, v: { id: c.id, i: { phones: ['+442079460018'] } }, code: 'CONFLICT', message: /\+442079460018/ },
      ],
      valid: ({ c }) => ({
        q: M.setPhones,
        v: { id: c.id, i: { phones: ['020 7946 0019', '+44 20 7183 8750'], phoneCountry: 'GB' } },
        check: (d) => expect(d.setContactPhones.phones).toEqual([{ e164: '+442079460019', primary: true }, { e164: '+442071838750', primary: false }]),
        written: [{ event: 'crm.contacts.contact.updated.v1', subject: c.id, entity: 'contact-phone', entityId: '+442079460019', action: 'create', fields: ['contact_id'] }],
      }),
    }),
    capability({
      name: 'contacts: archiveContact hides the contact from lists (soft delete)',
      module: 'contacts',
      setup: async (t) => ({ c: await contact(t, { firstName: 'Archie', tags: ['to-archive'] }) }),
      bad: () => [
        { q: M.archiveContact, v: { id: 'nope' }, fields: ['id'] },
        { q: M.archiveContact, v: { id: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ c }) => ({
        q: M.archiveContact,
        v: { id: c.id },
        check: async (d, t) => {
          expect(d.archiveContact.archivedAt).toEqual(expect.any(String));
          expect(dataOf(await t.gql(`{ contacts(filter: { tags: ["to-archive"] }) { totalCount } }`)).contacts.totalCount).toBe(0);
        },
        written: [{ event: 'crm.contacts.contact.archived.v1', subject: c.id, entity: 'contact', entityId: c.id, fields: ['archived_at'] }],
      }),
    }),
    capability({
      name: 'contacts: restoreContact brings an archived contact back',
      module: 'contacts',
      setup: async (t) => {
        const c = await contact(t, { firstName: 'Resa' });
        dataOf(await t.gql(M.archiveContact, { id: c.id }));
        return { c };
      },
      bad: () => [
        { q: M.restoreContact, v: { id: 'nope' }, fields: ['id'] },
        { q: M.restoreContact, v: { id: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ c }) => ({
        q: M.restoreContact,
        v: { id: c.id },
        check: (d) => expect(d.restoreContact.archivedAt).toBeNull(),
        written: [{ event: 'crm.contacts.contact.restored.v1', subject: c.id, entity: 'contact', entityId: c.id, fields: ['archived_at'] }],
      }),
    }),
    capability({
      name: 'contacts: bulkUpdateContacts sets tags and owner on a filtered selection (the owner must be an active user)',
      module: 'contacts',
      setup: async (t) => ({
        a: await contact(t, { firstName: 'Bulk1', lifecycleStage: 'lead', tags: ['bulk'] }),
        b: await contact(t, { firstName: 'Bulk2', lifecycleStage: 'lead', tags: ['bulk'] }),
        other: await contact(t, { firstName: 'NotMe', lifecycleStage: 'customer', tags: ['bulk'] }),
      }),
      bad: () => [
        { q: M.bulk, v: { f: { tags: ['bulk'] }, i: { addTags: ['a'], removeTags: ['a'] } }, fields: ['input.removeTags'] },
        { q: M.bulk, v: { f: { tags: ['bulk'] }, i: { ownerId: 'dave' } }, fields: ['input.ownerId'] },
        { q: M.bulk, v: { f: { companyId: 'nope' }, i: { addTags: ['q3'] } }, fields: ['filter.companyId'] },
      ],
      valid: ({ a, b, other }) => ({
        q: M.bulk,
        v: { f: { tags: ['bulk'], lifecycleStage: 'lead' }, i: { addTags: ['q3'], ownerId: 'bob' } },
        check: (d) => {
          expect(d.bulkUpdateContacts).toMatchObject({ updated: 2, remaining: 0 });
          expect(new Set(d.bulkUpdateContacts.updatedIds)).toEqual(new Set([a.id, b.id]));
          expect(d.bulkUpdateContacts.updatedIds).not.toContain(other.id);
        },
        written: [a, b].map((c) => ({ event: 'crm.contacts.contact.updated.v1', subject: c.id, entity: 'contact', entityId: c.id, fields: ['owner_id', 'tags'] })),
      }),
    }),
    capability({
      name: 'contacts §2: the owner of a contact must be an active user of the tenant',
      module: 'contacts',
      setup: async (t) => ({ c: await contact(t, { firstName: 'Owned' }) }),
      bad: ({ c }) => [
        { q: M.updateContact, v: { id: c.id, i: { ownerId: 'dave' } }, fields: ['input.ownerId'], message: /dave/ },
        { q: M.updateContact, v: { id: c.id, i: { ownerId: 'nobody-at-all' } }, fields: ['input.ownerId'] },
      ],
      valid: ({ c }) => ({
        q: M.updateContact,
        v: { id: c.id, i: { ownerId: 'bob' } },
        check: (d) => expect(d.updateContact.ownerId).toBe('bob'),
        written: [{ event: 'crm.contacts.contact.updated.v1', subject: c.id, entity: 'contact', entityId: c.id, fields: ['owner_id'] }],
      }),
    }),
    capability({
      name: 'companies: createCompany with the B2B fields (legal name, domains, industry, size, address, VAT id, owner, tags)',
      module: 'contacts',
      setup: async (t) => ({ taken: await company(t, { name: 'Taken', domains: ['taken.example'] }) }),
      bad: () => [
        // dedup by domain
        { q: M.createCompany, v: { i: { name: 'Taken again', domains: ['Taken.example'] } }, code: 'CONFLICT', message: /taken\.example/ },
        { q: M.createCompany, v: { i: { name: 'Bad Ltd', vatId: '!!', address: { line1: 'x', country: 'Narnia' } } }, fields: ['input.address.country', 'input.vatId'] },
        { q: M.createCompany, v: { i: { name: 'Bad Ltd', ownerId: 'dave' } }, fields: ['input.ownerId'] },
      ],
      valid: () => ({
        q: M.createCompany,
        v: { i: { name: 'Initech', legalName: 'Initech GmbH', domains: ['initech.example'], industry: 'Software', size: 'EMPLOYEES_51_200', vatId: 'DE123456789', ownerId: 'bob', tags: ['b2b'], address: { line1: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' } } },
        check: (d) => expect(d.createCompany).toMatchObject({ legalName: 'Initech GmbH', domains: ['initech.example'], industry: 'Software', size: 'EMPLOYEES_51_200', vatId: 'DE123456789', ownerId: 'bob', tags: ['b2b'], address: { city: 'Berlin', country: 'DE' } }),
        written: (d) => [{ event: 'crm.contacts.company.upserted.v1', subject: d.createCompany.id, entity: 'company', entityId: d.createCompany.id, action: 'create', fields: ['domains', 'industry', 'legal_name', 'size', 'vat_id'] }],
      }),
    }),
    capability({
      name: 'companies: updateCompany changes the B2B fields',
      module: 'contacts',
      setup: async (t) => ({ co: await company(t, { name: 'Globex', domains: ['globex.example'] }) }),
      bad: ({ co }) => [
        { q: M.updateCompany, v: { id: co.id, i: { vatId: '!!', address: { line1: 'x', country: 'Narnia' } } }, fields: ['input.address.country', 'input.vatId'] },
        { q: M.updateCompany, v: { id: UNKNOWN, i: { industry: 'x' } }, code: 'NOT_FOUND' },
      ],
      valid: ({ co }) => ({
        q: M.updateCompany,
        v: { id: co.id, i: { legalName: 'Globex Corporation', size: 'EMPLOYEES_1001_5000', industry: 'Energy' } },
        check: (d) => expect(d.updateCompany).toMatchObject({ legalName: 'Globex Corporation', size: 'EMPLOYEES_1001_5000', industry: 'Energy', domains: ['globex.example'] }),
        written: [{ event: 'crm.contacts.company.upserted.v1', subject: co.id, entity: 'company', entityId: co.id, fields: ['industry', 'legal_name', 'size'] }],
      }),
    }),
    capability({
      name: 'companies: mergeCompanies moves the duplicate’s contacts and domains to the survivor',
      module: 'contacts',
      setup: async (t) => {
        const survivor = await company(t, { name: 'Acme', domains: ['acme.example'] });
        const duplicate = await company(t, { name: 'ACME Inc', domains: ['acme-inc.example'] });
        const c = await contact(t, { firstName: 'Wile', companyId: duplicate.id });
        return { survivor, duplicate, c };
      },
      bad: ({ survivor }) => [
        { q: M.mergeCompanies, v: { s: survivor.id, d: survivor.id }, fields: ['duplicateId'] },
        { q: M.mergeCompanies, v: { s: survivor.id, d: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ survivor, duplicate, c }) => ({
        q: M.mergeCompanies,
        v: { s: survivor.id, d: duplicate.id },
        check: async (d, t) => {
          expect(d.mergeCompanies.domains.sort()).toEqual(['acme-inc.example', 'acme.example']);
          expect(dataOf(await t.gql(M.company, { id: duplicate.id })).company.mergedIntoId).toBe(survivor.id);
          expect(dataOf(await t.gql(`query($id: ID!) { contact(id: $id) { company { id } } }`, { id: c.id })).contact.company.id).toBe(survivor.id);
        },
        written: [{ event: 'crm.contacts.company.merged.v1', subject: survivor.id, entity: 'company', entityId: duplicate.id, fields: ['domains', 'merged_into'] }],
      }),
    }),
    capability({
      name: 'timeline: the author edits an interaction logged by mistake (the values before kept as a revision)',
      module: 'contacts',
      setup: async (t) => ({ i: dataOf(await t.gql(M.logInteraction, { i: { contactId: t.contactId, kind: 'CALL', summary: 'Called about renewl' } })).logInteraction }),
      bad: ({ i }) => [
        { q: M.editInteraction, v: { id: i.id, i: { summary: ' ' } }, fields: ['input.summary'] },
        { q: M.editInteraction, v: { id: i.id, i: { summary: 'Not mine' } }, as: ['bob', 'rep'], code: 'FORBIDDEN' },
      ],
      valid: ({ i }, t) => ({
        q: M.editInteraction,
        v: { id: i.id, i: { summary: 'Called about renewal', kind: 'MEETING' } },
        check: (d) => expect(d.editInteraction).toMatchObject({ kind: 'meeting', summary: 'Called about renewal', editedBy: ACTOR, revisions: [{ summary: 'Called about renewl', editedBy: ACTOR }] }),
        written: [{ event: 'crm.contacts.interaction.edited.v1', subject: t.contactId, entity: 'interaction', entityId: i.id, fields: ['kind', 'summary'] }],
      }),
    }),
    capability({
      name: 'timeline: a manager edits a rep’s interaction',
      module: 'contacts',
      setup: async (t) => ({ i: dataOf(await t.as('bob', 'rep')(M.logInteraction, { i: { contactId: t.contactId, kind: 'NOTE', summary: 'Wrong contact' } })).logInteraction }),
      bad: ({ i }) => [{ q: M.editInteraction, v: { id: i.id, i: {} }, as: ['mgr', 'manager'], message: /nothing to change/, fields: ['input'] }],
      valid: ({ i }, t) => ({
        q: M.editInteraction,
        v: { id: i.id, i: { summary: 'Fixed by the manager' } },
        as: ['mgr', 'manager'],
        check: (d) => expect(d.editInteraction).toMatchObject({ summary: 'Fixed by the manager', actorId: 'bob', editedBy: 'mgr' }),
        written: [{ event: 'crm.contacts.interaction.edited.v1', subject: t.contactId, entity: 'interaction', entityId: i.id, fields: ['summary'] }],
      }),
    }),
    capability({
      name: 'timeline: deleteInteraction removes the entry from the timeline',
      module: 'contacts',
      setup: async (t) => ({ i: dataOf(await t.gql(M.logInteraction, { i: { contactId: t.contactId, kind: 'EMAIL', summary: 'Sent to the wrong Ada' } })).logInteraction }),
      bad: ({ i }) => [
        { q: M.deleteInteraction, v: { id: 'nope' }, fields: ['id'] },
        { q: M.deleteInteraction, v: { id: i.id }, as: ['bob', 'rep'], code: 'FORBIDDEN' },
      ],
      valid: ({ i }, t) => ({
        q: M.deleteInteraction,
        v: { id: i.id },
        check: async (d, t) => {
          expect(d.deleteInteraction.id).toBe(i.id);
          const ids = dataOf(await t.gql(`query($id: ID!) { contact(id: $id) { timelineEntries(first: 100) { edges { node { id } } } } }`, { id: t.contactId })).contact.timelineEntries.edges.map((e: any) => e.node.id);
          expect(ids).not.toContain(i.id);
        },
        written: [{ event: 'crm.contacts.interaction.deleted.v1', subject: t.contactId, entity: 'interaction', entityId: i.id, fields: ['deleted_at'] }],
      }),
    }),

    // ───────────── sales ─────────────
    capability({
      name: 'pipelines: updatePipeline renames a pipeline',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createPipeline, { i: { name: 'Renewals', stages: [{ name: 'Open', probability: 20 }] } })).createPipeline }),
      bad: ({ p }) => [{ q: M.updatePipeline, v: { id: p.id, i: { name: ' ' } }, fields: ['input.name'] }],
      valid: ({ p }) => ({
        q: M.updatePipeline,
        v: { id: p.id, i: { name: 'Renewals & upsell' } },
        check: (d) => expect(d.updatePipeline.name).toBe('Renewals & upsell'),
        written: [{ event: 'crm.sales.pipeline.updated.v1', subject: p.id, entity: 'pipeline', entityId: p.id, fields: ['name'] }],
      }),
    }),
    capability({
      name: 'stages: updateStage renames and changes the probability (history kept)',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createPipeline, { i: { name: 'Stage edits', stages: [{ name: 'Lead', probability: 10 }, { name: 'Won-ish', probability: 90 }] } })).createPipeline }),
      bad: ({ p }) => [
        { q: M.updateStage, v: { id: p.stages[0].id, i: { name: ' ', probability: 101 } }, fields: ['input.name', 'input.probability'] },
        { q: M.updateStage, v: { id: p.stages[0].id, i: { name: 'won-ish' } }, fields: ['input.name'] },
      ],
      valid: ({ p }) => ({
        q: M.updateStage,
        v: { id: p.stages[0].id, i: { name: 'Qualified', probability: 25 } },
        check: (d) => expect(d.updateStage).toMatchObject({ name: 'Qualified', probability: 25, probabilityHistory: [{ fromProbability: 10, toProbability: 25, changedBy: ACTOR }] }),
        written: [{ event: 'crm.sales.pipeline.stages-changed.v1', subject: p.id, entity: 'stage', entityId: p.stages[0].id, fields: ['name', 'probability'] }],
      }),
    }),
    capability({
      name: 'stages: reorderStages',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createPipeline, { i: { name: 'Reorder', stages: [{ name: 'A', probability: 10 }, { name: 'B', probability: 50 }] } })).createPipeline }),
      bad: ({ p }) => [
        { q: M.reorderStages, v: { p: p.id, s: [p.stages[0].id] }, fields: ['stageIds'] },
        { q: M.reorderStages, v: { p: p.id, s: [p.stages[0].id, p.stages[0].id] }, fields: ['stageIds.1'] },
      ],
      valid: ({ p }) => ({
        q: M.reorderStages,
        v: { p: p.id, s: [p.stages[1].id, p.stages[0].id] },
        check: (d) => expect(d.reorderStages.stages.map((s: any) => `${s.position}:${s.name}`)).toEqual(['0:B', '1:A']),
        written: [{ event: 'crm.sales.pipeline.stages-changed.v1', subject: p.id, entity: 'stage', entityId: p.stages[1].id, fields: ['position'] }],
      }),
    }),
    capability({
      name: 'stages: addStage at a position',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createPipeline, { i: { name: 'Add', stages: [{ name: 'A', probability: 10 }, { name: 'C', probability: 50 }] } })).createPipeline }),
      bad: ({ p }) => [
        { q: M.addStage, v: { p: p.id, i: { name: ' ', probability: 101 } }, fields: ['input.name', 'input.probability'] },
        { q: M.addStage, v: { p: p.id, i: { name: 'B', probability: 30, position: 9 } }, fields: ['input.position'] },
        { q: M.addStage, v: { p: UNKNOWN, i: { name: 'B', probability: 30 } }, code: 'NOT_FOUND' },
      ],
      valid: ({ p }) => ({
        q: M.addStage,
        v: { p: p.id, i: { name: 'B', probability: 30, position: 1 } },
        check: (d) => expect(d.addStage.stages.map((s: any) => `${s.position}:${s.name}:${s.probability}`)).toEqual(['0:A:10', '1:B:30', '2:C:50']),
        written: (d) => [{ event: 'crm.sales.pipeline.stages-changed.v1', subject: p.id, entity: 'stage', entityId: d.addStage.stages[1].id, action: 'create', fields: ['name', 'probability'] }],
      }),
    }),
    capability({
      name: 'stages: archiveStage; with deals in it a CONFLICT says how many',
      module: 'sales',
      setup: async (t) => {
        const p = dataOf(await t.gql(M.createPipeline, { i: { name: 'Archive', stages: [{ name: 'Empty', probability: 10 }, { name: 'Busy', probability: 50 }] } })).createPipeline;
        for (const title of ['d1', 'd2']) dataOf(await t.gql(M.createDeal, { i: { contactId: t.contactId, title, amount: { amount: '10.00', currency: 'EUR' }, pipelineId: p.id, stageId: p.stages[1].id } }));
        return { p };
      },
      bad: ({ p }) => [
        { q: M.archiveStage, v: { id: p.stages[1].id }, code: 'CONFLICT', message: /^stage "Busy" still has 2 open deals; move them to another stage before archiving it/ },
        { q: M.archiveStage, v: { id: 'nope' }, fields: ['id'] },
      ],
      valid: ({ p }) => ({
        q: M.archiveStage,
        v: { id: p.stages[0].id },
        check: (d) => expect(d.archiveStage.stages.map((s: any) => `${s.position}:${s.name}`)).toEqual(['0:Busy']),
        written: [{ event: 'crm.sales.pipeline.stages-changed.v1', subject: p.id, entity: 'stage', entityId: p.stages[0].id, fields: ['archived_at'] }],
      }),
    }),
    capability({
      name: 'deals: reopenDeal on a won deal reverses its commission by a ledger entry (10 % of 1000.00 = 100.00 earned, −100.00 reversed)',
      module: 'sales',
      setup: async (t) => {
        dataOf(await t.gql(M.commissionRule, { i: { name: 'bob 10%', ownerId: 'bob', appliesTo: 'DEALS', kind: 'PERCENTAGE', rate: '10' } }));
        const d = dataOf(await t.gql(M.createDeal, { i: { contactId: t.contactId, title: 'Reopen me', ownerId: 'bob', amount: { amount: '1000.00', currency: 'EUR' } } })).createDeal;
        const open = dataOf(await t.gql(M.createDeal, { i: { contactId: t.contactId, title: 'Still open', amount: { amount: '1.00', currency: 'EUR' } } })).createDeal;
        dataOf(await t.gql(M.winDeal, { id: d.id }));
        return { d, open };
      },
      bad: ({ open }) => [
        { q: M.reopenDeal, v: { id: open.id }, code: 'CONFLICT', message: /is open; only a won or lost deal can be reopened/ },
        { q: M.reopenDeal, v: { id: 'x' }, fields: ['id'] },
      ],
      valid: ({ d }) => ({
        q: M.reopenDeal,
        v: { id: d.id },
        check: async (r, t) => {
          expect(r.reopenDeal).toMatchObject({ status: 'OPEN', closedAt: null });
          const [st] = dataOf(await t.gql(M.commissions, { d: today(), o: 'bob' })).commissions;
          const earned = st.entries.find((e: any) => e.sourceId === d.id && !e.reversalOf);
          expect(earned).toMatchObject({ basis: { amount: '1000.00' }, commission: { amount: '100.00' } });
          expect(st.entries.find((e: any) => e.reversalOf === earned.id)).toMatchObject({ sourceId: d.id, basis: { amount: '-1000.00' }, commission: { amount: '-100.00' } });
          expect(st.total.amount).toBe('0.00');
        },
        written: [{ event: 'crm.sales.deal.reopened.v1', subject: d.id, entity: 'deal', entityId: d.id, fields: ['closed_at', 'status'] }],
      }),
    }),
    capability({
      name: 'deals: archiveDeal hides it from lists',
      module: 'sales',
      setup: async (t) => ({ d: dataOf(await t.gql(M.createDeal, { i: { contactId: t.contactId, title: 'Archive me', amount: { amount: '5.00', currency: 'EUR' } } })).createDeal }),
      bad: () => [
        { q: M.archiveDeal, v: { id: 'x' }, fields: ['id'] },
        { q: M.archiveDeal, v: { id: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ d }) => ({
        q: M.archiveDeal,
        v: { id: d.id },
        check: async (r, t) => {
          expect(r.archiveDeal.archivedAt).toEqual(expect.any(String));
          const ids = dataOf(await t.gql(`{ deals(first: 100) { edges { node { id } } } }`)).deals.edges.map((e: any) => e.node.id);
          expect(ids).not.toContain(d.id);
        },
        written: [{ event: 'crm.sales.deal.archived.v1', subject: d.id, entity: 'deal', entityId: d.id, fields: ['archived_at'] }],
      }),
    }),
    capability({
      name: 'deals §2: the owner of a deal must be an active user of the tenant',
      module: 'sales',
      setup: async (t) => ({ d: dataOf(await t.gql(M.createDeal, { i: { contactId: t.contactId, title: 'Owner', amount: { amount: '5.00', currency: 'EUR' } } })).createDeal }),
      bad: ({ d }) => [
        { q: M.updateDeal, v: { id: d.id, i: { ownerId: 'dave' } }, fields: ['input.ownerId'], message: /dave/ },
        { q: M.updateDeal, v: { id: d.id, i: { ownerId: 'nobody-at-all' } }, fields: ['input.ownerId'] },
      ],
      valid: ({ d }) => ({
        q: M.updateDeal,
        v: { id: d.id, i: { ownerId: 'bob' } },
        check: (r) => expect(r.updateDeal.ownerId).toBe('bob'),
        written: [{ event: 'crm.sales.deal.updated.v1', subject: d.id, entity: 'deal', entityId: d.id, fields: ['owner_id'] }],
      }),
    }),
    capability({
      name: 'products: updateProduct',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createProduct, { i: { name: 'Licence', sku: 'UPD-1', taxRate: '19' } })).createProduct }),
      bad: ({ p }) => [
        { q: M.updateProduct, v: { id: p.id, i: { name: ' ' } }, fields: ['input.name'] },
        { q: M.updateProduct, v: { id: p.id, i: { taxRate: '101' } }, fields: ['input.taxRate'] },
      ],
      valid: ({ p }) => ({
        q: M.updateProduct,
        v: { id: p.id, i: { name: 'Licence (annual)', taxRate: '7' } },
        check: (r) => expect(r.updateProduct).toMatchObject({ name: 'Licence (annual)', taxRate: '7', active: true }),
        written: [{ event: 'crm.sales.product.upserted.v1', subject: p.id, entity: 'product', entityId: p.id, fields: ['name', 'tax_rate'] }],
      }),
    }),
    capability({
      name: 'products: deactivateProduct',
      module: 'sales',
      setup: async (t) => ({ p: dataOf(await t.gql(M.createProduct, { i: { name: 'Old', sku: 'DEACT-1' } })).createProduct }),
      bad: () => [
        { q: M.deactivateProduct, v: { id: 'x' }, fields: ['id'] },
        { q: M.deactivateProduct, v: { id: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ p }) => ({
        q: M.deactivateProduct,
        v: { id: p.id },
        check: (r) => expect(r.deactivateProduct.active).toBe(false),
        written: [{ event: 'crm.sales.product.upserted.v1', subject: p.id, entity: 'product', entityId: p.id, fields: ['active'] }],
      }),
    }),
    capability({
      name: 'products: reactivateProduct',
      module: 'sales',
      setup: async (t) => {
        const p = dataOf(await t.gql(M.createProduct, { i: { name: 'Back', sku: 'REACT-1' } })).createProduct;
        dataOf(await t.gql(M.deactivateProduct, { id: p.id }));
        return { p };
      },
      bad: () => [{ q: M.reactivateProduct, v: { id: 'x' }, fields: ['id'] }],
      valid: ({ p }) => ({
        q: M.reactivateProduct,
        v: { id: p.id },
        check: (r) => expect(r.reactivateProduct.active).toBe(true),
        written: [{ event: 'crm.sales.product.upserted.v1', subject: p.id, entity: 'product', entityId: p.id, fields: ['active'] }],
      }),
    }),
    capability({
      name: 'prices: setPrice with an effective date; a quote keeps the price it was issued with',
      module: 'sales',
      setup: async (t) => {
        const p = dataOf(await t.gql(M.createProduct, { i: { name: 'Seat', sku: 'PRICE-1' } })).createProduct;
        const l = dataOf(await t.gql(M.createPriceList, { i: { name: 'EUR list', currency: 'EUR', items: [{ productId: p.id, unitPrice: '100.00' }] } })).createPriceList;
        const q = dataOf(await t.gql(M.createQuote, { i: { contactId: t.contactId, currency: 'EUR', priceListId: l.id, lines: [{ productId: p.id, quantity: '1' }] } })).createQuote;
        return { p, l, q };
      },
      bad: ({ p, l }) => [
        { q: M.setPrice, v: { l: l.id, i: { productId: p.id, unitPrice: '1.001' } }, fields: ['input.unitPrice'] },
        { q: M.setPrice, v: { l: l.id, i: { productId: p.id, unitPrice: '1.00' }, e: '2026-02-30' }, fields: ['effectiveFrom'] },
      ],
      valid: ({ p, l, q }) => ({
        q: M.setPrice,
        v: { l: l.id, i: { productId: p.id, unitPrice: '120.00' }, e: today() },
        check: async (_r, t) => {
          const history = dataOf(await t.gql(M.priceHistory, { l: l.id, p: p.id })).priceHistory;
          expect(history.map((h: any) => [h.effectiveFrom, h.unitPrice.amount])).toEqual([[null, '100.00'], [today(), '120.00']]);
          expect(history[1].setBy).toBe(ACTOR);
          expect(dataOf(await t.gql(M.quote, { id: q.id })).quote.lines[0].unitPrice.amount).toBe('100.00');
        },
        written: [{ event: 'crm.sales.price-list.price-changed.v1', subject: l.id, entity: 'price-list-item', entityId: `${l.id}:${p.id}`, fields: ['unit_price'] }],
      }),
    }),
    capability({
      name: 'quotes: updateQuote edits a draft (lines, discounts, validity, notes)',
      module: 'sales',
      setup: async (t) => ({ q: dataOf(await t.gql(M.createQuote, { i: { contactId: t.contactId, currency: 'EUR', lines: [{ description: 'Work', quantity: '1', unitPrice: '100.00' }] } })).createQuote }),
      bad: ({ q }) => [
        { q: M.updateQuote, v: { id: q.id, i: { lines: [] } }, fields: ['input.lines'] },
        { q: M.updateQuote, v: { id: q.id, i: { lines: [{ description: 'x', quantity: '1', unitPrice: '-1' }] } }, fields: ['input.lines.0.unitPrice'] },
        { q: M.updateQuote, v: { id: q.id, i: { validUntil: '2030-02-30' } }, fields: ['input.validUntil'] },
      ],
      valid: ({ q }) => ({
        q: M.updateQuote,
        v: { id: q.id, i: { lines: [{ description: 'Work', quantity: '2', unitPrice: '100.00', discountPercent: '10' }], validUntil: '2030-01-31', notes: 'Net 30' } },
        check: (r) => expect(r.updateQuote).toMatchObject({ status: 'DRAFT', notes: 'Net 30', validUntil: '2030-01-31', total: { amount: '180.00' } }),
        written: [{ event: 'crm.sales.quote.updated.v1', subject: q.id, entity: 'quote', entityId: q.id, fields: ['notes', 'valid_until'] }],
      }),
    }),
    capability({
      name: 'quotes: reviseQuote turns a sent quote into a new version that supersedes it (history visible)',
      module: 'sales',
      setup: async (t) => {
        const q = dataOf(await t.gql(M.createQuote, { i: { contactId: t.contactId, currency: 'EUR', lines: [{ description: 'Work', quantity: '1', unitPrice: '100.00' }] } })).createQuote;
        dataOf(await t.gql(M.sendQuote, { id: q.id }));
        const draft = dataOf(await t.gql(M.createQuote, { i: { contactId: t.contactId, currency: 'EUR', lines: [{ description: 'x', quantity: '1', unitPrice: '1.00' }] } })).createQuote;
        return { q, draft };
      },
      bad: ({ q, draft }) => [
        { q: M.reviseQuote, v: { id: q.id, i: { lines: [{ description: 'Work', quantity: '0', unitPrice: '100.00' }] } }, fields: ['input.lines.0.quantity'] },
        { q: M.reviseQuote, v: { id: draft.id }, code: 'CONFLICT', message: /only a sent quote can be revised/ },
      ],
      valid: ({ q }) => ({
        q: M.reviseQuote,
        v: { id: q.id, i: { notes: 'Revised' } },
        check: async (r, t) => {
          const v2 = r.reviseQuote;
          expect(v2).toMatchObject({ version: 2, status: 'DRAFT', number: `${q.number}-2`, notes: 'Revised', supersedes: { id: q.id } });
          expect(v2.revisions.map((x: any) => [x.version, x.status])).toEqual([[1, 'SUPERSEDED'], [2, 'DRAFT']]);
          expect(dataOf(await t.gql(M.quote, { id: q.id })).quote).toMatchObject({ status: 'SUPERSEDED', supersededBy: { id: v2.id } });
        },
        written: [{ event: 'crm.sales.quote.revised.v1', subject: q.id, entity: 'quote', entityId: q.id, fields: ['status', 'superseded_at'] }],
      }),
    }),
    capability({
      name: 'tasks: createTask with a reminder and a recurrence',
      module: 'sales',
      setup: async () => ({}),
      bad: (_s, t) => [
        { q: M.createTask, v: { i: { title: 'x', contactId: t.contactId, dueAt: '2030-01-01T09:00:00.000Z', remindMinutesBefore: 40321 } }, fields: ['input.remindMinutesBefore'] },
        { q: M.createTask, v: { i: { title: 'x', contactId: t.contactId, dueAt: '2030-01-01T09:00:00.000Z', assigneeId: 'dave' } }, fields: ['input.assigneeId'] },
      ],
      valid: (_s, t) => ({
        q: M.createTask,
        v: { i: { title: 'Weekly check-in', contactId: t.contactId, dueAt: '2030-01-07T09:00:00.000Z', remindMinutesBefore: 15, recurrence: 'WEEKLY' } },
        check: (r) => expect(r.createTask).toMatchObject({ assigneeId: ACTOR, remindMinutesBefore: 15, remindAt: '2030-01-07T08:45:00.000Z', recurrence: 'WEEKLY', status: 'OPEN' }),
        written: (d) => [{ event: 'crm.sales.task.created.v1', subject: d.createTask.id, entity: 'task', entityId: d.createTask.id, action: 'create', fields: ['due_at', 'recurrence', 'remind_minutes_before'] }],
      }),
    }),
    capability({
      name: 'tasks: updateTask reschedules, reassigns, changes the reminder and the recurrence',
      module: 'sales',
      setup: async (t) => ({ task: dataOf(await t.gql(M.createTask, { i: { title: 'Call back', contactId: t.contactId, dueAt: '2030-01-01T09:00:00.000Z' } })).createTask }),
      bad: ({ task }) => [
        { q: M.updateTask, v: { id: task.id, i: { title: ' ', dueAt: 'soon', remindMinutesBefore: -5 } }, fields: ['input.title', 'input.dueAt', 'input.remindMinutesBefore'] },
        { q: M.updateTask, v: { id: task.id, i: { assigneeId: 'dave' } }, fields: ['input.assigneeId'], message: /dave/ },
      ],
      valid: ({ task }) => ({
        q: M.updateTask,
        v: { id: task.id, i: { dueAt: '2030-01-02T10:00:00.000Z', assigneeId: 'bob', remindMinutesBefore: 30, recurrence: 'DAILY' } },
        check: (r) => expect(r.updateTask).toMatchObject({ assigneeId: 'bob', dueAt: '2030-01-02T10:00:00.000Z', remindAt: '2030-01-02T09:30:00.000Z', remindMinutesBefore: 30, recurrence: 'DAILY' }),
        written: [{ event: 'crm.sales.task.updated.v1', subject: task.id, entity: 'task', entityId: task.id, fields: ['assignee_id', 'due_at', 'recurrence', 'remind_minutes_before'] }],
      }),
    }),
    capability({
      name: 'tasks: deleteTask',
      module: 'sales',
      setup: async (t) => ({ task: dataOf(await t.gql(M.createTask, { i: { title: 'Never mind', contactId: t.contactId, dueAt: '2030-01-01T09:00:00.000Z' } })).createTask }),
      bad: () => [
        { q: M.deleteTask, v: { id: 'x' }, fields: ['id'] },
        { q: M.deleteTask, v: { id: UNKNOWN }, code: 'NOT_FOUND' },
      ],
      valid: ({ task }) => ({
        q: M.deleteTask,
        v: { id: task.id },
        check: async (r, t) => {
          expect(r.deleteTask).toBe(task.id);
          expect(dataOf(await t.gql(`{ tasks(first: 100) { edges { node { id } } } }`)).tasks.edges.map((e: any) => e.node.id)).not.toContain(task.id);
        },
        written: [{ event: 'crm.sales.task.deleted.v1', subject: task.id, entity: 'task', entityId: task.id, action: 'delete', fields: ['title'] }],
      }),
    }),
  ];

  /** The audit entries of an entity through the gateway (the module's admin query), newest first. */
  async function auditOf(t: Tenant, m: Module, entity: string, entityId: string, from: Date) {
    const name = m === 'contacts' ? 'contactsAuditLog' : 'salesAuditLog';
    const r = dataOf(await t.gql(`query($f: AuditFilter) { ${name}(filter: $f, first: 20) { edges { node { actorId entity entityId action changes { field } } } } }`, { f: { entity, entityId, from: from.toISOString() } }));
    return r[name].edges.map((e: any) => e.node) as { actorId: string; action: string; changes: { field: string }[] }[];
  }

  /** The event rows the outbox of the module got after `seq` (with their envelope). */
  async function outboxSince(m: Module, tenantId: string, seq: string) {
    return (await adminQuery(`SELECT type, key, payload FROM "${schemaOf(m)}".outbox WHERE tenant_id = $1 AND seq > $2 ORDER BY seq`, [tenantId, seq])) as { type: string; key: string; payload: any }[];
  }

  const call = (t: Tenant, c: Call): Promise<GqlResult> => (c.as ? t.as(...c.as) : t.gql)(c.q, c.v);

  it.each(CAPABILITIES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const t = tenants[c.module];
    const s = await c.setup(t);
    const before = await footprint(c.module, t.id);

    for (const b of c.bad(s, t)) {
      const r = await call(t, b);
      const what = `${JSON.stringify(b.v)} → ${JSON.stringify(r.errors ?? r.data)}`;
      expect({ what, code: r.errors?.[0]?.extensions?.code }).toEqual({ what, code: b.code ?? 'BAD_USER_INPUT' });
      if (b.fields) expect({ what, fields: (r.errors![0].extensions!.fields ?? []).map((f: { field: string }) => f.field) }).toEqual({ what, fields: b.fields });
      if (b.message) expect(r.errors![0].message).toMatch(b.message);
      expect(r.data?.[Object.keys(r.data ?? {})[0]] ?? null).toBeNull();
    }
    // Nothing written: no event, no audit entry.
    expect({ ...(await footprint(c.module, t.id)), at: null }).toEqual({ ...before, at: null });

    const ok = c.valid(s, t);
    const data = dataOf(await call(t, ok));
    await ok.check(data, t);
    const actor = ok.as?.[0] ?? ACTOR;
    const written = typeof ok.written === 'function' ? ok.written(data) : ok.written;
    const events = await outboxSince(c.module, t.id, before.seq);
    expect(events.length).toBeGreaterThan(0);
    for (const w of written) {
      const { event, subject, entity, entityId } = w;
      const ev = events.find((e) => e.type === event && e.payload.subject === subject);
      expect({ event, subject, found: ev ? { actorid: ev.payload.actorid } : `none in ${JSON.stringify(events.map((e) => [e.type, e.payload.subject]))}` }).toEqual({ event, subject, found: { actorid: actor } });
      // The envelope and its data as the versioned contract says.
      expect(validateEvent(ev!.payload).type).toBe(event);
      const [entry] = await auditOf(t, c.module, entity, entityId, before.at);
      expect({ entity, entityId, entry: entry && { actorId: entry.actorId, action: entry.action } }).toEqual({ entity, entityId, entry: { actorId: actor, action: w.action ?? 'update' } });
      expect(entry.changes.map((x) => x.field)).toEqual(expect.arrayContaining(w.fields));
    }
  });

  describe('lists: paginated, filtered by team, kind and module; bad arguments name the field', () => {
    it('Company.contacts is paginated', async () => {
      const t = tenants.contacts;
      const co = await company(t, { name: 'Paged Co' });
      const ids = [];
      for (const n of ['P1', 'P2', 'P3']) ids.push((await contact(t, { firstName: n, companyId: co.id })).id);
      const Q = `query($id: ID!, $first: Int, $after: String) { company(id: $id) { contacts(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id firstName } } } } }`;
      const p1 = dataOf(await t.gql(Q, { id: co.id, first: 2 })).company.contacts;
      expect(p1).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
      const p2 = dataOf(await t.gql(Q, { id: co.id, first: 2, after: p1.pageInfo.endCursor })).company.contacts;
      expect([...p1.edges, ...p2.edges].map((e: any) => e.node.firstName)).toEqual(['P1', 'P2', 'P3']);
      expect(p2.pageInfo.hasNextPage).toBe(false);
      const bad = await t.gql(Q, { id: co.id, first: 101 });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'first' }] });
    });

    it('tasks is paginated and filtered by team', async () => {
      const t = tenants.sales;
      const mine: string[] = [];
      for (const title of ['T1', 'T2', 'T3']) mine.push(dataOf(await t.gql(M.createTask, { i: { title, contactId: t.contactId, dueAt: '2031-01-01T09:00:00.000Z', assigneeId: 'bob' } })).createTask.id);
      dataOf(await t.gql(M.createTask, { i: { title: 'Not North', contactId: t.contactId, dueAt: '2031-01-01T09:00:00.000Z', assigneeId: 'mgr' } }));
      const Q = `query($f: TaskFilter, $first: Int, $after: String) { tasks(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id assigneeId } } } }`;
      const p1 = dataOf(await t.gql(Q, { f: { teamId: t.teamId, status: 'OPEN' }, first: 2 })).tasks;
      const p2 = dataOf(await t.gql(Q, { f: { teamId: t.teamId, status: 'OPEN' }, first: 2, after: p1.pageInfo.endCursor })).tasks;
      const seen = [...p1.edges, ...p2.edges].map((e: any) => e.node);
      expect(seen.every((n: any) => n.assigneeId === 'bob')).toBe(true);
      expect(seen.map((n: any) => n.id)).toEqual(expect.arrayContaining(mine));
      expect(p1.totalCount).toBe(seen.length);
      const bad = await t.gql(Q, { f: { teamId: 'nope' }, first: 2 });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.teamId' }] });
    });

    it('contacts and deals are filtered by team (owners who are members)', async () => {
      const c = tenants.contacts;
      const bobs = await contact(c, { firstName: 'Bobs', ownerId: 'bob' });
      await contact(c, { firstName: 'Mgrs', ownerId: 'mgr' });
      const contacts = dataOf(await c.gql(`query($f: ContactFilter) { contacts(filter: $f, first: 100) { edges { node { id ownerId } } } }`, { f: { teamId: c.teamId } })).contacts.edges.map((e: any) => e.node);
      expect(contacts.map((n: any) => n.id)).toContain(bobs.id);
      expect(new Set(contacts.map((n: any) => n.ownerId))).toEqual(new Set(['bob']));
      const bad = await c.gql(`query($f: ContactFilter) { contacts(filter: $f) { totalCount } }`, { f: { teamId: 'nope', createdAfter: 'yesterday' } });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.teamId' }, { field: 'filter.createdAfter', message: 'not a valid time' }] });

      const s = tenants.sales;
      const d = dataOf(await s.gql(M.createDeal, { i: { contactId: s.contactId, title: 'North deal', ownerId: 'bob', amount: { amount: '1.00', currency: 'EUR' } } })).createDeal;
      dataOf(await s.gql(M.createDeal, { i: { contactId: s.contactId, title: 'Other deal', ownerId: 'mgr', amount: { amount: '1.00', currency: 'EUR' } } }));
      await eventually(async () => (await adminQuery(`SELECT 1 FROM "${schemaOf('sales')}".directory_teams WHERE tenant_id = $1`, [s.id])).length > 0, 30000, 'team North in sales');
      const deals = dataOf(await s.gql(`query($f: DealFilter) { deals(filter: $f, first: 100) { edges { node { id ownerId } } } }`, { f: { teamId: s.teamId } })).deals.edges.map((e: any) => e.node);
      expect(deals.map((n: any) => n.id)).toContain(d.id);
      expect(new Set(deals.map((n: any) => n.ownerId))).toEqual(new Set(['bob']));
    });

    it('the contact card shows its history; admins list the audit trail per user and per period; a rep may not', async () => {
      const t = tenants.contacts;
      const c = await contact(t, { firstName: 'Hist' });
      dataOf(await t.gql(M.updateContact, { id: c.id, i: { lastName: 'Ory' } }));
      const H = `query($id: ID!) { contact(id: $id) { history { totalCount edges { node { actorId action changes { field old new } } } } } }`;
      const h = dataOf(await t.gql(H, { id: c.id })).contact.history;
      expect(h.totalCount).toBe(2);
      expect(h.edges[0].node).toEqual({ actorId: ACTOR, action: 'update', changes: [{ field: 'display_name', old: '"Hist"', new: '"Hist Ory"' }, { field: 'last_name', old: null, new: '"Ory"' }] });
      expect(h.edges[1].node).toMatchObject({ actorId: ACTOR, action: 'create' });
      // A manager's edit is listed under their id, and only theirs.
      dataOf(await t.as('mgr', 'manager')(M.updateContact, { id: c.id, i: { tags: ['by-mgr'] } }));
      const L = `query($f: AuditFilter) { contactsAuditLog(filter: $f, first: 100) { edges { node { actorId entity occurredAt } } } }`;
      const byMgr = dataOf(await t.gql(L, { f: { userId: 'mgr' } })).contactsAuditLog.edges.map((e: any) => e.node);
      expect(byMgr[0]).toMatchObject({ actorId: 'mgr', entity: 'contact' });
      expect(new Set(byMgr.map((n: any) => n.actorId))).toEqual(new Set(['mgr']));
      const last = byMgr[0].occurredAt;
      const after = dataOf(await t.gql(L, { f: { userId: 'mgr', from: new Date(Date.parse(last) + 1).toISOString() } })).contactsAuditLog.edges;
      expect(after).toEqual([]);
      const refused = await t.as('bob', 'rep')(L, { f: {} });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const bad = await t.gql(L, { f: { from: 'yesterday', to: '2020-01-01T00:00:00Z' } });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.from', message: 'not a valid time' }] });
      const reversed = await t.gql(L, { f: { from: '2021-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' } });
      expect(reversed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.to', message: 'must not be before from' }] });
    });

    it('the timeline is filtered by kind and module', async () => {
      // The sales tenant's contact has deals: sales' events put them on its timeline.
      const t = tenants.sales;
      for (const [kind, summary] of [['CALL', 'a call'], ['NOTE', 'a note'], ['EMAIL', 'an email']]) dataOf(await t.gql(M.logInteraction, { i: { contactId: t.contactId, kind, summary } }));
      const Q = `query($id: ID!, $f: TimelineFilter) { contact(id: $id) { timelineEntries(first: 100, filter: $f) { edges { node { kind sourceModule } } } } }`;
      const entries = async (f: object) => dataOf(await t.gql(Q, { id: t.contactId, f })).contact.timelineEntries.edges.map((e: any) => e.node) as { kind: string; sourceModule: string }[];
      const kinds = async (f: object) => [...new Set((await entries(f)).map((n) => n.kind))].sort();
      await eventually(async () => (await kinds({ modules: ['sales'] })).includes('deal'), 30000, 'deals on the timeline');
      expect(await kinds({ kinds: ['call', 'note'] })).toEqual(['call', 'note']);
      expect(await kinds({ modules: ['contacts'], kinds: ['email', 'deal'] })).toEqual(['email']);
      expect(new Set((await entries({ modules: ['sales'] })).map((n) => n.sourceModule))).toEqual(new Set(['sales']));
      expect(await kinds({ modules: ['sales'], kinds: ['call'] })).toEqual([]);
      const bad = await t.gql(Q, { id: t.contactId, f: { kinds: ['x'.repeat(51)] } });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.kinds.0' }] });
    });
  });
});
