import { dataOf, TopicRecorder, uniqueTenant } from '@crm/testing';
import { ReminderScheduler } from '../src/tasks/reminder-scheduler';
import { expectError, Q, SALES_EVENT, startSales, type Gql, type Harness } from './harness';

const ENTRY = `actorId entity entityId action changes { field old new erased }`;
const DEAL_HISTORY = `query($id: ID!) { deal(id: $id) { history { totalCount edges { node { ${ENTRY} } } } } }`;
const QUOTE_HISTORY = `query($id: ID!) { quote(id: $id) { history { edges { node { ${ENTRY} } } } } }`;
const AUDIT_LOG = `query($f: AuditFilter) { salesAuditLog(filter: $f, first: 100) { totalCount edges { node { ${ENTRY} } } } }`;
const M = {
  product: `mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }`,
  priceList: `mutation($i: CreatePriceListInput!) { createPriceList(input: $i) { id } }`,
  createQuote: `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { id } }`,
  updateQuote: `mutation($id: ID!, $i: UpdateQuoteInput!) { updateQuote(id: $id, input: $i) { id } }`,
  createTask: `mutation($i: CreateTaskInput!) { createTask(input: $i) { id } }`,
  updateTask: `mutation($id: ID!, $i: UpdateTaskInput!) { updateTask(id: $id, input: $i) { id } }`,
  deleteTask: `mutation($id: ID!) { deleteTask(id: $id) }`,
};

/** The changed fields of an entry as { field: [old, new] } (values parsed from their JSON). */
const fieldsOf = (entry: any) => Object.fromEntries(entry.changes.map((c: any) => [c.field, [c.old === null ? null : JSON.parse(c.old), c.new === null ? null : JSON.parse(c.new)]]));

/** The audit trail of sales (docs/audit.md), against the real service, Postgres and Kafka. */
describe('audit trail (sales)', () => {
  let h: Harness;
  let rec: TopicRecorder;
  beforeAll(async () => {
    // The reminder sweep is driven by hand below.
    h = await startSales({ SALES_REMINDER_SCHEDULER: 'false' });
    rec = await new TopicRecorder(h.topic).start();
  });
  afterAll(async () => {
    await rec?.stop();
    await h?.stop();
  });

  const newDeal = async (gql: Gql, contactId: string, title = 'Annual licence') =>
    dataOf(await gql(Q.createDeal, { i: { contactId, title, amount: { amount: '1200.00', currency: 'EUR' } } })).createDeal;

  it('a deal’s creation and win, by whom, with exactly the fields the win changed; deal.won carries the actor', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-1', roles: ['rep'] });
    const c = await h.contact(tenantId);
    const deal = await newDeal(gql, c.contactId);
    dataOf(await gql(Q.winDeal, { id: deal.id }));
    const conn = dataOf(await gql(DEAL_HISTORY, { id: deal.id })).deal.history;
    const [won, created] = conn.edges.map((e: any) => e.node);
    expect(conn.totalCount).toBe(2);
    expect(created).toMatchObject({ actorId: 'rep-1', entity: 'deal', entityId: deal.id, action: 'create' });
    expect(fieldsOf(created)).toMatchObject({ title: [null, 'Annual licence'], contact_id: [null, c.contactId], status: [null, 'open'] });
    expect(won).toMatchObject({ actorId: 'rep-1', action: 'update' });
    const changed = fieldsOf(won);
    expect(changed.status).toEqual(['open', 'won']);
    expect(changed.closed_at[0]).toBeNull();
    expect(typeof changed.closed_at[1]).toBe('string');
    // Nothing the win did not change (title, amount, owner…) and no noise (version, updated_at).
    expect(Object.keys(changed).filter((f) => !['status', 'closed_at', 'stage_id', 'forecast_category'].includes(f))).toEqual([]);
    const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.won && e.event.subject === deal.id);
    expect(ev.event!.actorid).toBe('rep-1');
  });

  it('a quote edit records the changed validity and notes; a task update and delete; salesAuditLog filters by user for managers and refuses reps', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-2', roles: ['rep'] });
    const c = await h.contact(tenantId);
    const admin = h.client({ tenantId, userId: 'admin-1', roles: ['admin'] });
    const lic = dataOf(await admin(M.product, { i: { sku: 'LIC', name: 'Licence', taxRate: '0' } })).createProduct;
    dataOf(await admin(M.priceList, { i: { name: 'EUR', currency: 'EUR', items: [{ productId: lic.id, unitPrice: '100.00' }] } }));
    const q = dataOf(await gql(M.createQuote, { i: { contactId: c.contactId, currency: 'EUR', validUntil: '2030-01-31', lines: [{ productId: lic.id, quantity: '1' }] } })).createQuote;
    dataOf(await gql(M.updateQuote, { id: q.id, i: { validUntil: '2030-02-28', notes: 'Spring offer' } }));
    const [edit] = dataOf(await gql(QUOTE_HISTORY, { id: q.id })).quote.history.edges.map((e: any) => e.node);
    expect(edit).toMatchObject({ actorId: 'rep-2', action: 'update' });
    expect(fieldsOf(edit)).toEqual({ valid_until: ['2030-01-31', '2030-02-28'], notes: [null, 'Spring offer'] });

    const t = dataOf(await gql(M.createTask, { i: { title: 'Call', contactId: c.contactId, dueAt: '2030-05-10T09:00:00.000Z' } })).createTask;
    dataOf(await gql(M.updateTask, { id: t.id, i: { title: 'Call back', assigneeId: 'ann' } }));
    dataOf(await gql(M.deleteTask, { id: t.id }));
    const taskRows = await h.sql(`SELECT action, changes FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'task' AND entity_id = $2 ORDER BY occurred_at`, [tenantId, t.id]);
    expect(taskRows.map((r: any) => r.action)).toEqual(['create', 'update', 'delete']);
    expect(taskRows[1].changes).toEqual({ title: { old: 'Call', new: 'Call back' }, assignee_id: { old: 'rep-2', new: 'ann' } });
    expect(taskRows[2].changes.title).toEqual({ old: 'Call back', new: null });

    const manager = h.client({ tenantId, userId: 'm', roles: ['manager'] });
    const log = dataOf(await manager(AUDIT_LOG, { f: { userId: 'rep-2', entity: 'task' } })).salesAuditLog;
    expect(log.edges.map((e: any) => e.node.action)).toEqual(['delete', 'update', 'create']);
    expect(dataOf(await manager(AUDIT_LOG, { f: { userId: 'someone-else' } })).salesAuditLog.totalCount).toBe(0);
    expectError(await gql(AUDIT_LOG, {}), 'FORBIDDEN');
  });

  it('a reminder job acts for the user who scheduled it: its write is theirs and task.due carries their actorid', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'planner-5' });
    const c = await h.contact(tenantId);
    const t = dataOf(await gql(M.createTask, { i: { title: 'Prepare', contactId: c.contactId, dueAt: new Date(Date.now() + 600_000).toISOString(), remindMinutesBefore: 10 } })).createTask;
    expect(await h.svc.app.get(ReminderScheduler).sweep(new Date(Date.now() + 3_600_000))).toBeGreaterThanOrEqual(1);
    const [reminded] = await h.sql(`SELECT actor_id, changes FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity = 'task' AND entity_id = $2 AND action = 'update'`, [tenantId, t.id]);
    expect(reminded.actor_id).toBe('planner-5');
    expect(Object.keys(reminded.changes)).toEqual(['due_emitted_at']);
    const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskDue && e.event.subject === t.id);
    expect(ev.event!.actorid).toBe('planner-5');
  });

  it('contact.erased scrubs the values of the contact’s deal and task entries; other deals keep theirs', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep-3' });
    const c = await h.contact(tenantId);
    const other = await h.contact(tenantId);
    const deal = await newDeal(gql, c.contactId, 'Deal with Henrietta Lacks');
    const kept = await newDeal(gql, other.contactId, 'Deal with Someone Else');
    dataOf(await gql(M.createTask, { i: { title: 'Call Henrietta', contactId: c.contactId, dueAt: '2030-05-10T09:00:00.000Z' } }));
    await h.erase(tenantId, c.contactId);
    const ofContact = await h.sql(`SELECT entity, changes FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, c.contactId]);
    expect(new Set(ofContact.map((r: any) => r.entity))).toEqual(new Set(['deal', 'task']));
    expect(JSON.stringify(ofContact)).not.toContain('Henrietta');
    const rows = await h.sql(`SELECT entity, action, actor_id, changes FROM "${h.schema}".audit_log WHERE tenant_id = $1 AND entity_id = $2 ORDER BY occurred_at`, [tenantId, deal.id]);
    // The creation, and the erasure's own retitling (by the system: the event carried no actor).
    expect(rows.map((r: any) => [r.action, r.actor_id])).toEqual([
      ['create', 'rep-3'],
      ['update', 'system'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('Henrietta');
    expect(rows[0].changes.title).toEqual({ erased: true });
    const keptHistory = dataOf(await gql(DEAL_HISTORY, { id: kept.id })).deal.history.edges[0].node;
    expect(fieldsOf(keptHistory).title).toEqual([null, 'Deal with Someone Else']);
  });
});
