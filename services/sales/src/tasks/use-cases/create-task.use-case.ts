import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { zOptId, zOptText, zText } from '../../common/validate';
import { DealRepository } from '../../deals/deal.repository';
import { emitTaskCreated } from '../task.events';
import { remindAtOf, TaskRepository, toTask } from '../task.repository';
import { type CreateTaskInput, type Task, TaskRecurrence } from '../task.types';
import { zRemindMinutes } from './task-input';
import { DirectoryReplica } from '@crm/shared-directory';

const schema = z.object({
  title: zText(300),
  notes: zOptText(10000),
  dealId: zOptId('deal id'),
  contactId: zOptId('contact id'),
  assigneeId: zOptText(200),
  dueAt: z.coerce.date({ error: 'not a valid time' }),
  remindMinutesBefore: zRemindMinutes.nullish(),
  recurrence: z.enum(TaskRecurrence).nullish(),
});

@Injectable()
export class CreateTask {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
    private readonly deals: DealRepository,
    private readonly replica: ContactReplica,
    private readonly directory: DirectoryReplica,
  ) {}

  async execute(ctx: RequestContext, input: CreateTaskInput): Promise<Task> {
    const v = parseInput(schema, input, 'input');
    if (!v.dealId && !v.contactId) throw invalidField('input.dealId', 'a task belongs to a deal or a contact (give dealId or contactId)');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.directory.requireOwners(tx, ctx.userId, [{ field: 'input.assigneeId', ownerId: v.assigneeId }]);
      // Given explicitly (with or without a deal): it must be a live contact of this tenant.
      let contactId = v.contactId ? (await this.replica.requireActive(tx, v.contactId, 'input.contactId')).contactId : null;
      if (v.dealId) {
        const deal = await this.deals.contactOf(tx, v.dealId);
        if (!deal) throw invalidField('input.dealId', `deal ${v.dealId} does not exist`);
        contactId ??= deal.contactId;
      }
      const row = await this.tasks.insert(tx, {
        id: randomUUID(), title: v.title, notes: v.notes, dealId: v.dealId, contactId, assigneeId: v.assigneeId ?? ctx.userId, dueAt: v.dueAt, createdBy: ctx.userId,
        remindMinutesBefore: v.remindMinutesBefore ?? 0, recurrence: v.recurrence ?? null, seriesStart: v.recurrence ? v.dueAt : null, occurrence: 0, previousId: null,
      });
      await this.tasks.scheduleReminder(tx, row.id, remindAtOf(row));
      await emitTaskCreated(tx, row, ctx.userId);
      return toTask(row);
    });
  }
}
