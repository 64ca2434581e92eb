import { dataOf, eventually, uniqueTenant, TopicRecorder } from '@crm/testing';
import { expectError, SALES_EVENT, startSales, type Harness } from './harness';

const CREATE = `mutation($i: CreateTaskInput!) { createTask(input: $i) { id title dueAt status remindedAt contactId dealId assigneeId } }`;

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
    const tasks = dataOf(await gql(`{ tasks { id remindedAt status } }`)).tasks;
    expect(tasks.find((t: any) => t.id === soon.id).remindedAt).not.toBeNull();
    expect(tasks.find((t: any) => t.id === done.id)).toMatchObject({ status: 'DONE', remindedAt: null });
  });

  it('a reminder that falls due while the service is down fires after the restart', async () => {
    const tenantId = uniqueTenant();
    const c = await h.contact(tenantId);
    const task = dataOf(await h.client({ tenantId })(CREATE, { i: { title: 'While down', contactId: c.contactId, dueAt: new Date(Date.now() + 2000).toISOString() } })).createTask;
    const { schema, topicPrefix } = h;
    await h.stopService();
    await new Promise((r) => setTimeout(r, 2500));
    const [row] = await h.sql(`SELECT due_emitted_at FROM "${schema}".tasks WHERE id = $1`, [task.id]).catch(() => [{ due_emitted_at: 'unknown' }]);
    void row;
    h = await startSales({ SALES_REMINDER_POLL_MS: '100' }, { schema, topicPrefix });
    await rec.waitFor((e) => e.event?.type === SALES_EVENT.taskDue && e.event.subject === task.id, 20000);
    await eventually(async () => (await h.sql(`SELECT due_emitted_at FROM "${schema}".tasks WHERE id = $1`, [task.id]))[0].due_emitted_at, 5000, 'due_emitted_at');
  });
});
