import { Client } from 'pg';
import { databaseUrl, dataOf, eventually, schemaUrl, uniqueTenant, TopicRecorder } from '@crm/testing';
import { expectError, Q, SALES_EVENT, startSales, type Harness } from './harness';

const CREATE = `mutation($i: CreateTaskInput!) { createTask(input: $i) { id title dueAt status remindedAt contactId dealId assigneeId } }`;
const COMPLETE = `mutation($id: ID!) { completeTask(id: $id) { id status completedAt remindedAt } }`;
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

describe('tasks and reminders', () => {
  let h: Harness;
  let rec: TopicRecorder;
  beforeAll(async () => {
    h = await startSales({ SALES_REMINDER_POLL_MS: '100' });
    rec = await h.recorder();
  });
  afterAll(async () => {
    await rec?.stop();
    await h?.stop();
  });

  it('emits task.due.v1 once when a task becomes due, not for a completed one', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    expectError(await gql(CREATE, { i: { title: 'x', dueAt: new Date().toISOString() } }), 'BAD_USER_INPUT', /^input\.dealId: a task belongs to a deal or a contact/);
    const soon = dataOf(await gql(CREATE, { i: { title: 'Call back', contactId: c.contactId, dueAt: new Date(Date.now() + 1500).toISOString() } })).createTask;
    const done = dataOf(await gql(CREATE, { i: { title: 'Done early', contactId: c.contactId, dueAt: new Date(Date.now() + 1500).toISOString() } })).createTask;
    dataOf(await gql(`mutation($id: ID!) { completeTask(id: $id) { status } }`, { id: done.id }));
    const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskDue && e.event.subject === soon.id, 20000);
    expect(ev.event.data).toMatchObject({ taskId: soon.id, title: 'Call back', assigneeId: 'rep', contactId: c.contactId, dealId: null });
    expect(Date.parse(ev.event.time)).toBeGreaterThanOrEqual(Date.parse(soon.dueAt));
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.outboxCount(tenantId, SALES_EVENT.taskDue)).toBe(1);
    const tasks = dataOf(await gql(`{ tasks { edges { node { id remindedAt status } } } }`)).tasks.edges.map((e: any) => e.node);
    expect(tasks.find((t: any) => t.id === soon.id).remindedAt).not.toBeNull();
    expect(tasks.find((t: any) => t.id === done.id)).toMatchObject({ status: 'DONE', remindedAt: null });
  });

  it('a reminder that falls due while the service is down fires after the restart, not before', async () => {
    const tenantId = uniqueTenant();
    const c = await h.contact(tenantId);
    const task = dataOf(await h.client({ tenantId })(CREATE, { i: { title: 'While down', contactId: c.contactId, dueAt: new Date(Date.now() + 2000).toISOString() } })).createTask;
    const { schema } = h;
    await h.stopService();
    // The service's pool is closed: look at its schema over a connection of our own.
    const db = new Client({ connectionString: databaseUrl() });
    await db.connect();
    try {
      await new Promise((r) => setTimeout(r, 2500));
      expect(Date.now()).toBeGreaterThan(Date.parse(task.dueAt));
      const state = async () => ({
        task: (await db.query(`SELECT due_emitted_at FROM "${schema}".tasks WHERE id = $1`, [task.id])).rows[0],
        pending: (await db.query(`SELECT count(*)::int AS n FROM "${schema}".task_reminders WHERE task_id = $1`, [task.id])).rows[0].n,
        due: (await db.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE tenant_id = $1 AND type = $2`, [tenantId, SALES_EVENT.taskDue])).rows[0].n,
      });
      // Due, but nobody was running: nothing fired, the reminder is still queued.
      expect(await state()).toEqual({ task: { due_emitted_at: null }, pending: 1, due: 0 });
      expect(rec.matching((e) => e.event?.type === SALES_EVENT.taskDue && e.event.subject === task.id)).toEqual([]);

      h = await startSales({ SALES_REMINDER_POLL_MS: '100' }, h);
      const ev = await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskDue && e.event.subject === task.id, 20000);
      expect(ev.event.data).toMatchObject({ taskId: task.id, title: 'While down', contactId: c.contactId });
      const after = await eventually(async () => {
        const s = await state();
        return s.task.due_emitted_at ? s : undefined;
      }, 5000, 'due_emitted_at');
      expect(after).toEqual({ task: { due_emitted_at: expect.any(Date) }, pending: 0, due: 1 });
    } finally {
      await db.end();
    }
  });

  it('createTask validates a given contact also when a deal is given; task.created and task.completed are emitted', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'lead' });
    const c = await h.contact(tenantId);
    const other = await h.contact(uniqueTenant());
    const erased = await h.contact(tenantId);
    await h.erase(tenantId, erased.contactId);
    const deal = dataOf(await gql(Q.createDeal, { i: { contactId: c.contactId, title: 'D', amount: { amount: '1', currency: 'EUR' } } })).createDeal;
    const UNKNOWN = '0b9f6a1c-2d3e-4f5a-8b7c-9d0e1f2a3b4c';
    const before = await h.outboxCount(tenantId);
    expectError(await gql(CREATE, { i: { title: 't', dealId: deal.id, contactId: UNKNOWN, dueAt: inAnHour() } }), 'BAD_USER_INPUT', new RegExp(`^input\\.contactId: contact ${UNKNOWN} does not exist`));
    expectError(await gql(CREATE, { i: { title: 't', dealId: deal.id, contactId: other.contactId, dueAt: inAnHour() } }), 'BAD_USER_INPUT', /^input\.contactId: contact .* does not exist/);
    expectError(await gql(CREATE, { i: { title: 't', dealId: deal.id, contactId: erased.contactId, dueAt: inAnHour() } }), 'BAD_USER_INPUT', /^input\.contactId: contact .* was erased/);
    expectError(await gql(CREATE, { i: { title: 't', contactId: erased.contactId, dueAt: inAnHour() } }), 'BAD_USER_INPUT', /was erased/);
    expect(await h.sql(`SELECT id FROM "${h.schema}".tasks WHERE tenant_id = $1`, [tenantId])).toEqual([]);
    expect(await h.outboxCount(tenantId)).toBe(before);

    const t = dataOf(await gql(CREATE, { i: { title: 'Prepare demo', notes: 'private notes', dealId: deal.id, contactId: c.contactId, assigneeId: 'rep', dueAt: inAnHour() } })).createTask;
    expect(t).toMatchObject({ dealId: deal.id, contactId: c.contactId, assigneeId: 'rep', status: 'OPEN' });
    const created = await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskCreated && e.event.subject === t.id);
    expect(created.key).toBe(t.id);
    expect(created.event.data).toEqual({ taskId: t.id, title: 'Prepare demo', assigneeId: 'rep', dealId: deal.id, contactId: c.contactId, dueAt: t.dueAt, createdBy: 'lead' });
    const done = dataOf(await gql(COMPLETE, { id: t.id })).completeTask;
    const completed = await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskCompleted && e.event.subject === t.id);
    expect(completed.event.data).toEqual({ taskId: t.id, assigneeId: 'rep', dealId: deal.id, contactId: c.contactId, completedBy: 'lead', completedAt: done.completedAt });
    expectError(await gql(COMPLETE, { id: t.id }), 'CONFLICT', /already done/);
    expect(await h.outboxCount(tenantId, SALES_EVENT.taskCompleted)).toBe(1);
  });

  it('completeTask and the reminder sweep lock in the same order: a sweep holding the reminder does not deadlock a completion', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId });
    const c = await h.contact(tenantId);
    const t = dataOf(await gql(CREATE, { i: { title: 'Race', contactId: c.contactId, dueAt: inAnHour() } })).createTask;
    // Play the sweep by hand on its own connection: lock the reminder row first, as sweep() does ...
    const sweep = new Client({ connectionString: databaseUrl() });
    await sweep.connect();
    try {
      await sweep.query('BEGIN');
      const [{ pid }] = (await sweep.query('SELECT pg_backend_pid() AS pid')).rows;
      expect((await sweep.query(`SELECT task_id FROM "${h.schema}".task_reminders WHERE task_id = $1 FOR UPDATE`, [t.id])).rows).toHaveLength(1);
      // ... meanwhile the task is completed; wait until that transaction waits on one of our locks ...
      const completing = gql(COMPLETE, { id: t.id });
      await eventually(async () => (await h.sql(`SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid])).length > 0, 10000, 'completeTask waiting on the sweep');
      // ... then update the task and drop the reminder, as the sweep does. With the task locked first
      // by completeTask, this would be a deadlock (Postgres aborts one side after deadlock_timeout).
      await sweep.query(`UPDATE "${h.schema}".tasks SET due_emitted_at = now() WHERE id = $1 AND status = 'open' AND due_emitted_at IS NULL`, [t.id]);
      await sweep.query(`DELETE FROM "${h.schema}".task_reminders WHERE task_id = $1`, [t.id]);
      await sweep.query('COMMIT');
      const r = await completing;
      expect(r.errors).toBeUndefined();
      expect(r.data!.completeTask).toMatchObject({ id: t.id, status: 'DONE', remindedAt: expect.any(String) });
    } finally {
      await sweep.query('ROLLBACK').catch(() => undefined);
      await sweep.end();
    }
  });

  it('the reminder queue is tenant-bound too: another tenant’s transaction sees none of its rows, even after RESET ROLE (issue 6 §4)', async () => {
    const tenantA = uniqueTenant();
    const c = await h.contact(tenantA);
    const t = dataOf(await h.client({ tenantId: tenantA })(CREATE, { i: { title: 'Private', contactId: c.contactId, dueAt: inAnHour() } })).createTask;
    // As the service runs a tenant transaction: its own login, its app role, one tenant bound.
    const db = new Client({ connectionString: schemaUrl(h.schema) });
    await db.connect();
    const seen = async (tenant: string, trick?: string) => {
      await db.query('BEGIN');
      try {
        await db.query(`SET LOCAL search_path TO "${h.schema}"`);
        await db.query(`SELECT set_config('app.tenant_id', $1, true), set_config('role', session_user || '_app', true)`, [tenant]);
        if (trick) await db.query(trick);
        return (await db.query(`SELECT count(*)::int AS n FROM task_reminders WHERE task_id = $1`, [t.id])).rows[0].n;
      } finally {
        await db.query('ROLLBACK');
      }
    };
    try {
      expect(await seen(tenantA)).toBe(1);
      expect(await seen(uniqueTenant())).toBe(0);
      expect(await seen(uniqueTenant(), 'RESET ROLE')).toBe(0);
    } finally {
      await db.end();
    }
  });
});
