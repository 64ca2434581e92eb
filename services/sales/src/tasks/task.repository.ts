import { Injectable } from '@nestjs/common';
import { currentActor, currentTraceparent, keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import type { Recurrence } from './recurrence';
import { type Task, type TaskRecurrence, TaskStatus } from './task.types';
import { teamMemberSql } from '@crm/shared-directory';

export interface TaskRow {
  [column: string]: unknown;
  id: string; title: string; notes: string | null; deal_id: string | null; contact_id: string | null; assignee_id: string; due_at: Date;
  due_emitted_at: Date | null; status: TaskStatus; completed_at: Date | null; created_at: Date;
  remind_minutes_before: number; recurrence: Recurrence | null; series_start: Date | null; occurrence: number; previous_id: string | null;
}

/** When the reminder of a task fires: its due time less the lead time. */
export const remindAtOf = (r: Pick<TaskRow, 'due_at' | 'remind_minutes_before'>): Date => new Date(new Date(r.due_at).getTime() - r.remind_minutes_before * 60_000);

export const toTask = (r: TaskRow): Task => ({
  id: r.id, title: r.title, notes: r.notes, dealId: r.deal_id, contactId: r.contact_id, assigneeId: r.assignee_id, dueAt: r.due_at,
  remindedAt: r.due_emitted_at, status: r.status, completedAt: r.completed_at, createdAt: r.created_at,
  remindMinutesBefore: r.remind_minutes_before, remindAt: remindAtOf(r), recurrence: (r.recurrence as TaskRecurrence | null) ?? null, previousTaskId: r.previous_id,
});

export interface NewTask {
  id: string; title: string; notes: string | null; dealId: string | null; contactId: string | null; assigneeId: string; dueAt: Date; createdBy: string;
  remindMinutesBefore: number; recurrence: Recurrence | null;
  /** The series' first due time and this task's place in it (recurring tasks). */
  seriesStart: Date | null; occurrence: number; previousId: string | null;
}

/** Column → new value; undefined: unchanged. */
export type TaskChanges = Partial<Record<'title' | 'notes' | 'assignee_id' | 'due_at' | 'remind_minutes_before' | 'recurrence' | 'series_start' | 'occurrence' | 'due_emitted_at', unknown>>;

export interface TaskListFilter {
  assigneeId?: string | null; teamId?: string | null; status?: TaskStatus | null; dealId?: string | null; contactId?: string | null;
}

/** Tasks by due time, soonest first. */
const TASK_ORDER: KeysetOrder = { name: 'tasks', key: 'due_at', dir: 'ASC', timestamp: true };

/**
 * Tasks and their reminder queue (`task_reminders`, a kernel job table swept by ReminderScheduler).
 * Lock order, the same as the reminder sweep's: the reminder row first, then the task. Locking the
 * task first and deleting the reminder after would deadlock against a sweep that holds the
 * reminder and updates the task.
 */
@Injectable()
export class TaskRepository {
  insert(tx: Tx, t: NewTask): Promise<TaskRow> {
    return tx.one<TaskRow>(
      `INSERT INTO tasks (id, tenant_id, title, notes, deal_id, contact_id, assignee_id, due_at, created_by, remind_minutes_before, recurrence, series_start, occurrence, previous_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
      [
        t.id, tx.tenantId, t.title, t.notes, t.dealId, t.contactId, t.assigneeId, t.dueAt, t.createdBy, t.remindMinutesBefore, t.recurrence, t.seriesStart, t.occurrence,
        t.previousId,
      ],
    );
  }

  async scheduleReminder(tx: Tx, taskId: string, dueAt: Date): Promise<void> {
    // The request's trace and actor go with the job: the reminder's event continues the trace and
    // is the scheduling user's (JobScheduler), as are its writes in the audit trail.
    await tx.query(`INSERT INTO task_reminders (task_id, tenant_id, due_at, traceparent, actor_id) VALUES ($1, $2, $3, $4, $5)`, [
      taskId,
      tx.tenantId,
      dueAt,
      currentTraceparent() ?? null,
      currentActor(),
    ]);
  }

  /** Locks the task's reminder (if still queued): first, see the lock order above. */
  async lockReminder(tx: Tx, taskId: string): Promise<void> {
    await tx.query(`SELECT task_id FROM task_reminders WHERE task_id = $1 AND tenant_id = $2 FOR UPDATE`, [taskId, tx.tenantId]);
  }

  async dropReminder(tx: Tx, taskId: string): Promise<void> {
    await tx.query(`DELETE FROM task_reminders WHERE task_id = $1 AND tenant_id = $2`, [taskId, tx.tenantId]);
  }

  lock(tx: Tx, id: string): Promise<TaskRow | undefined> {
    return tx.maybeOne<TaskRow>(`SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  markDone(tx: Tx, id: string): Promise<TaskRow> {
    return tx.one<TaskRow>(`UPDATE tasks SET status = 'done', completed_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tx.tenantId, id]);
  }

  update(tx: Tx, id: string, changes: TaskChanges): Promise<TaskRow> {
    const q = new SqlParams(tx.tenantId, id);
    return tx.one<TaskRow>(`UPDATE tasks SET ${q.set(changes)}, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
  }

  /** Deletes the task (its queued reminder goes with it: ON DELETE CASCADE). */
  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query(`DELETE FROM tasks WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /** Marks an open task's reminder as fired; undefined if it is done or already reminded. */
  markReminded(tx: Tx, id: string): Promise<TaskRow | undefined> {
    return tx.maybeOne<TaskRow>(
      `UPDATE tasks SET due_emitted_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'open' AND due_emitted_at IS NULL RETURNING *`,
      [tx.tenantId, id],
    );
  }

  async list(tx: Tx, f: TaskListFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Task>> {
    const page = keysetPage(TASK_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = q.where([
      'tenant_id = $1',
      f.assigneeId != null && `assignee_id = ${q.p(f.assigneeId)}`,
      f.teamId && teamMemberSql(q, 'assignee_id', f.teamId),
      f.status && `status = ${q.p(f.status)}`,
      f.dealId && `deal_id = ${q.p(f.dealId)}`,
      f.contactId && `contact_id = ${q.p(f.contactId)}`,
    ]);
    const countParams = q.snapshot();
    const rows = await tx.query<TaskRow & KeysetRow>(
      `SELECT *, ${page.sortKey} AS sort_key FROM tasks WHERE ${q.where([where, page.afterSql(q.p)])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toTask), n);
  }

  async byDeals(tx: Tx, dealIds: readonly string[]): Promise<Task[][]> {
    const rows = await tx.query<TaskRow>(`SELECT * FROM tasks WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY due_at, id`, [tx.tenantId, [...new Set(dealIds)]]);
    return dealIds.map((d) => rows.filter((r) => r.deal_id === d).map(toTask));
  }
}
