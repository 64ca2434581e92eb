import { Injectable } from '@nestjs/common';
import { conflict, invalidField, isUuid, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { emitTaskCompleted } from '../task.events';
import { TaskRepository, toTask } from '../task.repository';
import { type Task, TaskStatus } from '../task.types';

@Injectable()
export class CompleteTask {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
  ) {}

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
      return toTask(done);
    });
  }
}
