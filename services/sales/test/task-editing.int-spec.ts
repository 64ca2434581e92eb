import { dataOf, eventually, uniqueTenant } from '@crm/testing';
import { expectError, startSales, type Harness } from './harness';

const UNKNOWN = '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b99';
const TASK = `id title notes assigneeId dueAt remindAt remindMinutesBefore recurrence status remindedAt previousTaskId`;
const T = {
  create: `mutation($i: CreateTaskInput!) { createTask(input: $i) { ${TASK} } }`,
  update: `mutation($id: ID!, $i: UpdateTaskInput!) { updateTask(id: $id, input: $i) { ${TASK} } }`,
  remove: `mutation($id: ID!) { deleteTask(id: $id) }`,
  complete: `mutation($id: ID!) { completeTask(id: $id) { ${TASK} } }`,
  list: `query($f: TaskFilter, $n: Int) { tasks(filter: $f, first: $n) { edges { node { ${TASK} } } totalCount } }`,
};

describe('editing tasks: update, reschedule, reassign, delete, reminders ahead of time, recurrence (real Postgres + Kafka)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startSales({ SALES_REMINDER_POLL_MS: '100' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const reminderAt = async (taskId: string): Promise<string | null> => {
    const rows = await h.sql(`SELECT due_at FROM "${h.schema}".task_reminders WHERE task_id = $1`, [taskId]);
    return rows.length ? new Date(rows[0].due_at).toISOString() : null;
  };

  it('reschedules, reassigns and edits an open task with one event naming what changed; the reminder is re-queued; bad input writes nothing', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const due = '2030-05-10T09:00:00.000Z';
    const t = dataOf(await gql(T.create, { i: { title: 'Call', contactId: c.contactId, dueAt: due, remindMinutesBefore: 15 } })).createTask;
    expect(t).toMatchObject({ dueAt: due, remindMinutesBefore: 15, remindAt: '2030-05-10T08:45:00.000Z', recurrence: null });
    expect(await reminderAt(t.id)).toBe('2030-05-10T08:45:00.000Z');

    const moved = dataOf(await gql(T.update, { id: t.id, i: { dueAt: '2030-05-12T14:00:00.000Z', assigneeId: 'ann', title: 'Call back', notes: 'about the discount' } })).updateTask;
    expect(moved).toMatchObject({ title: 'Call back', notes: 'about the discount', assigneeId: 'ann', dueAt: '2030-05-12T14:00:00.000Z', remindAt: '2030-05-12T13:45:00.000Z' });
    expect(await reminderAt(t.id)).toBe('2030-05-12T13:45:00.000Z');
    const lead = dataOf(await gql(T.update, { id: t.id, i: { remindMinutesBefore: 60, notes: null } })).updateTask;
    expect(lead).toMatchObject({ notes: null, remindAt: '2030-05-12T13:00:00.000Z' });
    expect(await reminderAt(t.id)).toBe('2030-05-12T13:00:00.000Z');
    // Reassigning alone leaves the queued reminder as it is.
    dataOf(await gql(T.update, { id: t.id, i: { assigneeId: 'bob' } }));
    expect(await reminderAt(t.id)).toBe('2030-05-12T13:00:00.000Z');

    const events = await h.outboxEvents(tenantId, 'crm.sales.task.updated.v1');
    expect(events.map((e) => e.data.changed)).toEqual([['title', 'notes', 'assigneeId', 'dueAt'], ['notes', 'remindMinutesBefore'], ['assigneeId']]);
    expect(events[1].data).toMatchObject({ taskId: t.id, assigneeId: 'ann', dueAt: '2030-05-12T14:00:00.000Z', remindAt: '2030-05-12T13:00:00.000Z', updatedBy: 'rep' });
    expect(events[1].data).not.toHaveProperty('notes');

    const before = { outbox: await h.outboxCount(tenantId), row: await h.sql(`SELECT * FROM "${h.schema}".tasks WHERE id = $1`, [t.id]) };
    const bad = expectError(await gql(T.update, { id: t.id, i: { title: ' ', dueAt: 'soon', remindMinutesBefore: -5 } }), 'BAD_USER_INPUT');
    expect(bad.extensions!.fields.map((f: any) => f.field)).toEqual(['input.title', 'input.dueAt', 'input.remindMinutesBefore']);
    expectError(await gql(T.update, { id: t.id, i: { remindMinutesBefore: 50000 } }), 'BAD_USER_INPUT', /^input\.remindMinutesBefore: must be a whole number of minutes between 0 and 40320/);
    expectError(await gql(T.update, { id: t.id, i: { assigneeId: null } }), 'BAD_USER_INPUT', /^input\.assigneeId:/);
    expectError(await gql(T.update, { id: t.id, i: {} }), 'BAD_USER_INPUT', /^input\.title: nothing to change/);
    expectError(await gql(T.update, { id: 'x', i: { title: 'y' } }), 'BAD_USER_INPUT', /^id: "x" is not a task id/);
    expectError(await gql(T.update, { id: UNKNOWN, i: { title: 'y' } }), 'NOT_FOUND');
    expectError(await gql(T.create, { i: { title: 'x', contactId: c.contactId, dueAt: due, remindMinutesBefore: 40321 } }), 'BAD_USER_INPUT', /^input\.remindMinutesBefore: must be a whole number/);
    expect(await h.sql(`SELECT * FROM "${h.schema}".tasks WHERE id = $1`, [t.id])).toEqual(before.row);
    expect(await h.outboxCount(tenantId)).toBe(before.outbox);

    dataOf(await gql(T.complete, { id: t.id }));
    expectError(await gql(T.update, { id: t.id, i: { title: 'z' } }), 'CONFLICT', /is done/);
  });

  it('a reminder N minutes before fires that early; rescheduling after it fired makes it fire again', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    // Due in 10 minutes, reminded 10 minutes before: due now.
    const t = dataOf(await gql(T.create, { i: { title: 'Prepare', contactId: c.contactId, dueAt: new Date(Date.now() + 600_000).toISOString(), remindMinutesBefore: 10 } })).createTask;
    const later = dataOf(await gql(T.create, { i: { title: 'Later', contactId: c.contactId, dueAt: new Date(Date.now() + 600_000).toISOString(), remindMinutesBefore: 5 } })).createTask;
    await eventually(async () => (await h.outboxCount(tenantId, 'crm.sales.task.due.v1')) === 1, 20000, 'the early reminder');
    const [due] = await h.outboxEvents(tenantId, 'crm.sales.task.due.v1');
    expect(due.key).toBe(t.id);
    expect(await reminderAt(later.id)).not.toBeNull();

    const r = dataOf(await gql(T.update, { id: t.id, i: { dueAt: new Date(Date.now() + 700_000).toISOString(), remindMinutesBefore: 12 } })).updateTask;
    expect(r.remindedAt).toBeNull();
    await eventually(async () => (await h.outboxCount(tenantId, 'crm.sales.task.due.v1')) === 2, 20000, 'the reminder of the rescheduled task');
  });

  it('deletes a task with its pending reminder and emits task.deleted; unknown ids are NOT_FOUND', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const t = dataOf(await gql(T.create, { i: { title: 'Oops', contactId: c.contactId, dueAt: '2030-01-01T10:00:00Z' } })).createTask;
    expect(await reminderAt(t.id)).not.toBeNull();
    expect(dataOf(await gql(T.remove, { id: t.id })).deleteTask).toBe(t.id);
    expect(await reminderAt(t.id)).toBeNull();
    expect(dataOf(await gql(T.list, { f: { contactId: c.contactId } })).tasks.totalCount).toBe(0);
    expectError(await gql(T.remove, { id: t.id }), 'NOT_FOUND');
    expectError(await gql(T.remove, { id: 'x' }), 'BAD_USER_INPUT', /^id:/);
    const [ev] = await h.outboxEvents(tenantId, 'crm.sales.task.deleted.v1');
    expect(ev).toMatchObject({ key: t.id, data: { taskId: t.id, contactId: c.contactId, deletedBy: 'rep' } });
  });

  it('completing a recurring task creates the next one; monthly keeps the day of month across short months; tasks stays a connection', async () => {
    const tenantId = uniqueTenant();
    const gql = h.client({ tenantId, userId: 'rep' });
    const c = await h.contact(tenantId);
    const first = dataOf(await gql(T.create, { i: { title: 'Invoice run', contactId: c.contactId, dueAt: '2031-01-31T09:00:00Z', recurrence: 'MONTHLY', remindMinutesBefore: 30 } })).createTask;
    let cur = first;
    const dues = [first.dueAt];
    for (let i = 0; i < 3; i++) {
      dataOf(await gql(T.complete, { id: cur.id }));
      const open = dataOf(await gql(T.list, { f: { contactId: c.contactId, status: 'OPEN' } })).tasks.edges.map((e: any) => e.node);
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ title: 'Invoice run', recurrence: 'MONTHLY', remindMinutesBefore: 30, previousTaskId: cur.id });
      cur = open[0];
      dues.push(cur.dueAt);
      expect(await reminderAt(cur.id)).toBe(new Date(Date.parse(cur.dueAt) - 30 * 60_000).toISOString());
    }
    // Jan 31 → Feb 28 (2031 is not a leap year) → Mar 31 → Apr 30: the 31st is kept where the month has one.
    expect(dues).toEqual(['2031-01-31T09:00:00.000Z', '2031-02-28T09:00:00.000Z', '2031-03-31T09:00:00.000Z', '2031-04-30T09:00:00.000Z']);
    expect((await h.outboxEvents(tenantId, 'crm.sales.task.created.v1')).map((e) => e.data.dueAt)).toEqual(dues);

    const weekly = dataOf(await gql(T.create, { i: { title: 'Weekly', contactId: c.contactId, dueAt: '2031-12-29T08:00:00Z', recurrence: 'WEEKLY' } })).createTask;
    expect(dataOf(await gql(T.complete, { id: weekly.id })).completeTask.status).toBe('DONE');
    const daily = dataOf(await gql(T.create, { i: { title: 'Daily', contactId: c.contactId, dueAt: '2032-02-28T08:00:00Z', recurrence: 'DAILY' } })).createTask;
    dataOf(await gql(T.complete, { id: daily.id }));
    const open = dataOf(await gql(T.list, { f: { contactId: c.contactId, status: 'OPEN' }, n: 10 })).tasks;
    expect(open.edges.map((e: any) => [e.node.title, e.node.dueAt])).toEqual([
      ['Invoice run', '2031-04-30T09:00:00.000Z'],
      ['Weekly', '2032-01-05T08:00:00.000Z'],
      ['Daily', '2032-02-29T08:00:00.000Z'],
    ]);
    expect(open.totalCount).toBe(3);

    // Clearing the recurrence ends the series: completing it creates nothing.
    const last = open.edges[2].node;
    dataOf(await gql(T.update, { id: last.id, i: { recurrence: null } }));
    dataOf(await gql(T.complete, { id: last.id }));
    expect(dataOf(await gql(T.list, { f: { contactId: c.contactId, status: 'OPEN' } })).tasks.totalCount).toBe(2);
  });
});
