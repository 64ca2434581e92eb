import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskCompletedV1, TaskCreatedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, notFound, withTenant, type RequestContext, updated, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { optionalId, optionalText, requireId, requireText } from '../common/validate';
import { type CreateTaskInput, type Task, type TaskFilter, TaskStatus } from './task.types';

export const toTask = (r: any): Task => ({
  id: r.id, title: r.title, notes: r.notes, dealId: r.deal_id, contactId: r.contact_id, assigneeId: r.assignee_id, dueAt: r.due_at,
  remindedAt: r.due_emitted_at, status: r.status, completedAt: r.completed_at, createdAt: r.created_at,
});

@Injectable()
export class TasksService {
  constructor(
    private readonly ds: DataSource,
    private readonly replica: ContactReplica,
    private readonly events: EventPublisher,
  ) {}

  async create(ctx: RequestContext, input: CreateTaskInput): Promise<Task> {
    const title = requireText(input.title, 'input.title', 300);
    const notes = optionalText(input.notes, 'input.notes', 10000);
    const dealId = optionalId(input.dealId, 'input.dealId', 'deal id');
    let contactId = optionalId(input.contactId, 'input.contactId', 'contact id');
    if (!dealId && !contactId) throw badUserInput('input.dealId: a task belongs to a deal or a contact (give dealId or contactId)', { field: 'input.dealId' });
    const assigneeId = optionalText(input.assigneeId, 'input.assigneeId', 200) ?? ctx.userId;
    const dueAt = new Date(input.dueAt);
    if (Number.isNaN(dueAt.getTime())) throw badUserInput('input.dueAt: not a valid time', { field: 'input.dueAt' });
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      if (contactId) {
        // Given explicitly (with or without a deal): it must be a live contact of this tenant.
        const c = await this.replica.get(m, ctx.tenantId, contactId);
        if (!c) throw badUserInput(`input.contactId: contact ${contactId} does not exist`, { field: 'input.contactId' });
        if (c.erasedAt) throw badUserInput(`input.contactId: contact ${contactId} was erased`, { field: 'input.contactId' });
        contactId = c.contactId;
      }
      if (dealId) {
        const [d] = await m.query(`SELECT contact_id FROM deals WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, dealId]);
        if (!d) throw badUserInput(`input.dealId: deal ${dealId} does not exist`, { field: 'input.dealId' });
        contactId ??= d.contact_id;
      }
      const id = randomUUID();
      const [row] = await m.query(
        `INSERT INTO tasks (id, tenant_id, title, notes, deal_id, contact_id, assignee_id, due_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [id, ctx.tenantId, title, notes, dealId, contactId, assigneeId, dueAt, ctx.userId],
      );
      await m.query(`INSERT INTO task_reminders (task_id, tenant_id, due_at) VALUES ($1, $2, $3)`, [id, ctx.tenantId, dueAt]);
      const task = toTask(row);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: TaskCreatedV1.type,
          subject: id,
          data: { taskId: id, title, assigneeId, dealId, contactId, dueAt: new Date(row.due_at).toISOString(), createdBy: ctx.userId },
        },
      ]);
      return task;
    });
  }

  /**
   * Lock order, the same as the reminder sweep's (ReminderScheduler.sweep): the reminder row first,
   * then the task. Locking the task first and deleting the reminder after would deadlock against a
   * sweep that holds the reminder and updates the task.
   */
  async complete(ctx: RequestContext, rawId: string): Promise<Task> {
    const id = requireId(rawId, 'id', 'task id');
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      await m.query(`SELECT task_id FROM task_reminders WHERE task_id = $1 AND tenant_id = $2 FOR UPDATE`, [id, ctx.tenantId]);
      const [t] = await m.query(`SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [ctx.tenantId, id]);
      if (!t) throw notFound(`task ${id} does not exist`);
      if (t.status === TaskStatus.DONE) throw conflict(`task ${id} is already done`, { taskId: id });
      const [row] = await updated(m, `UPDATE tasks SET status = 'done', completed_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [ctx.tenantId, id]);
      await m.query(`DELETE FROM task_reminders WHERE task_id = $1 AND tenant_id = $2`, [id, ctx.tenantId]);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: TaskCompletedV1.type,
          subject: id,
          data: {
            taskId: id, assigneeId: row.assignee_id, dealId: row.deal_id, contactId: row.contact_id, completedBy: ctx.userId,
            completedAt: new Date(row.completed_at).toISOString(),
          },
        },
      ]);
      return toTask(row);
    });
  }

  async list(ctx: RequestContext, f: TaskFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Task>> {
    const page = keysetPage(TASK_ORDER, args);
    const dealId = optionalId(f.dealId, 'filter.dealId', 'deal id');
    const contactId = optionalId(f.contactId, 'filter.contactId', 'contact id');
    const params: unknown[] = [ctx.tenantId, f.assigneeId ?? null, f.status ?? null, dealId, contactId];
    const where = `tenant_id = $1 AND ($2::text IS NULL OR assignee_id = $2) AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR deal_id = $4) AND ($5::uuid IS NULL OR contact_id = $5)`;
    const countParams = [...params];
    const p = (v: unknown) => `$${params.push(v)}`;
    const after = page.afterSql(p);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const rows: KeysetRow[] = await m.query(`SELECT *, ${page.sortKey} AS sort_key FROM tasks WHERE ${where}${after ? ` AND ${after}` : ''} ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`, params);
      const n = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM tasks WHERE ${where}`, countParams))[0].n : null;
      return page.connection(rows, (r) => r.map(toTask), n);
    });
  }

  async byDeals(tenantId: string, dealIds: readonly string[]): Promise<Task[][]> {
    const rows = await withTenant(this.ds, tenantId, (m) => m.query(`SELECT * FROM tasks WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY due_at, id`, [tenantId, [...new Set(dealIds)]]));
    return dealIds.map((d) => rows.filter((r: any) => r.deal_id === d).map(toTask));
  }
}

/** Tasks by due time, soonest first. */
const TASK_ORDER: KeysetOrder = { name: 'tasks', key: 'due_at', dir: 'ASC', timestamp: true };
