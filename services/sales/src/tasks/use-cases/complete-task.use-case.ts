import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TenantProfiles } from '@crm/documents';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { occurrenceDue } from '../recurrence';
import { emitTaskCompleted, emitTaskCreated } from '../task.events';
import { remindAtOf, TaskRepository, toTask, type TaskRow } from '../task.repository';
import { type Task, TaskStatus } from '../task.types';

/** A recurring task's next occurrence: the same task, due at the series' next date on the assignee's wall clock, with its reminder. */
async function nextOccurrence(tasks: TaskRepository, tx: Tx, done: TaskRow, createdBy: string, timeZone: string): Promise<TaskRow> {
  const recurrence = done.recurrence!;
  const start = new Date(done.series_start ?? done.due_at);
  const next = await tasks.insert(tx, {
    id: randomUUID(), title: done.title, notes: done.notes, dealId: done.deal_id, contactId: done.contact_id, assigneeId: done.assignee_id,
    dueAt: occurrenceDue(recurrence, start, done.occurrence + 1, timeZone), createdBy, remindMinutesBefore: done.remind_minutes_before, recurrence,
    seriesStart: start, occurrence: done.occurrence + 1, previousId: done.id,
  });
  await tasks.scheduleReminder(tx, next.id, remindAtOf(next));
  return next;
}

@Injectable()
export class CompleteTask {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly profiles: TenantProfiles,
  ) {}

  private async createNext(tx: Tx, done: TaskRow, userId: string): Promise<void> {
    const timeZone = (await this.profiles.timeZone(tx, done.assignee_id)) ?? 'UTC';
    const next = await nextOccurrence(this.tasks, tx, done, userId, timeZone);
    await emitTaskCreated(tx, next, userId);
  }

  async execute(ctx: RequestContext, rawId: string): Promise<Task> {
    if (!isUuid(rawId)) throw invalidField('id', `"${String(rawId).slice(0, 60)}" is not a task id`);
    const id = rawId.toLowerCase();
    return this.uow.run(ctx.tenantId, async (tx) => {
      // The reminder first, then the task: the reminder sweep's lock order (TaskRepository).
      await this.tasks.lockReminder(tx, id);
      const t = await this.tasks.lock(tx, id);
      if (!t) throw notFound(`task ${id} does not exist`);
      if (t.status === TaskStatus.DONE) throw conflict(`task ${id} is already done`, { taskId: id });
      const done = await this.tasks.markDone(tx, id);
      await this.tasks.dropReminder(tx, id);
      await emitTaskCompleted(tx, done, ctx.userId);
      if (done.recurrence) await this.createNext(tx, done, ctx.userId);
      return toTask(done);
    });
  }
}
