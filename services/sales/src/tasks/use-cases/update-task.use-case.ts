import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, notFound, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zOptText, zText } from '../../common/validate';
import { emitTaskUpdated } from '../task.events';
import { remindAtOf, TaskRepository, toTask, type TaskChanges } from '../task.repository';
import { type Task, TaskRecurrence, TaskStatus, type UpdateTaskInput } from '../task.types';
import { taskId, zRemindMinutes } from './task-input';
import { DirectoryReplica } from '@crm/shared-directory';

// undefined: unchanged. null is refused where a task cannot be without the field.
const schema = z
  .object({
    title: zText(300).optional(),
    notes: zOptText(10000).optional(),
    assigneeId: zText(200).optional(),
    dueAt: z.coerce.date({ error: 'not a valid time' }).optional(),
    remindMinutesBefore: zRemindMinutes.optional(),
    recurrence: z.enum(TaskRecurrence).nullable().optional(),
  })
  .refine((i) => Object.values(i).some((v) => v !== undefined), { error: 'nothing to change', path: ['title'] });

/** GraphQL field → column. */
const COLUMNS = { title: 'title', notes: 'notes', assigneeId: 'assignee_id', dueAt: 'due_at', remindMinutesBefore: 'remind_minutes_before', recurrence: 'recurrence' } as const;

@Injectable()
export class UpdateTask {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly directory: DirectoryReplica,
  ) {}

  /**
   * Reschedules, reassigns or edits an open task. A new due time or lead time schedules the reminder
   * again (and it may fire again); a new due time or recurrence restarts the series from this task.
   */
  async execute(ctx: RequestContext, rawId: string, input: UpdateTaskInput): Promise<Task> {
    const v = parseInput(schema, input, 'input');
    const id = taskId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      // The reminder first, then the task: the reminder sweep's lock order (TaskRepository).
      await this.tasks.lockReminder(tx, id);
      const t = await this.tasks.lock(tx, id);
      if (!t) throw notFound(`task ${id} does not exist`);
      if (t.status === TaskStatus.DONE) throw conflict(`task ${id} is done; a done task cannot be changed`, { taskId: id });
      const current: Record<keyof typeof COLUMNS, unknown> = {
        title: t.title, notes: t.notes, assigneeId: t.assignee_id, dueAt: new Date(t.due_at).getTime(), remindMinutesBefore: t.remind_minutes_before, recurrence: t.recurrence,
      };
      const changes: TaskChanges = {};
      const changed: string[] = [];
      for (const field of Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]) {
        const value = v[field];
        if (value === undefined) continue;
        if ((value instanceof Date ? value.getTime() : value) === current[field]) continue;
        changes[COLUMNS[field]] = value;
        changed.push(field);
      }
      if (!changed.length) return toTask(t);
      await this.directory.requireOwners(tx, ctx.userId, [{ field: 'input.assigneeId', ownerId: changes.assignee_id as string | undefined }]);
      if (changes.due_at !== undefined || changes.recurrence !== undefined) {
        const recurrence = changes.recurrence !== undefined ? changes.recurrence : t.recurrence;
        changes.series_start = recurrence ? (changes.due_at ?? t.due_at) : null;
        changes.occurrence = 0;
      }
      const rescheduled = changes.due_at !== undefined || changes.remind_minutes_before !== undefined;
      if (rescheduled) changes.due_emitted_at = null;
      const row = await this.tasks.update(tx, id, changes);
      if (rescheduled) {
        await this.tasks.dropReminder(tx, id);
        await this.tasks.scheduleReminder(tx, id, remindAtOf(row));
      }
      await emitTaskUpdated(tx, row, changed, ctx.userId);
      return toTask(row);
    });
  }
}
