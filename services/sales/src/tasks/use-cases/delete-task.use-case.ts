import { Injectable } from '@nestjs/common';
import { notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { emitTaskDeleted } from '../task.events';
import { TaskRepository } from '../task.repository';
import { taskId } from './task-input';

@Injectable()
export class DeleteTask {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
  ) {}

  /** Deletes a task, open or done, with its pending reminder; returns its id. */
  async execute(ctx: RequestContext, rawId: string): Promise<string> {
    const id = taskId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.tasks.lockReminder(tx, id);
      const t = await this.tasks.lock(tx, id);
      if (!t) throw notFound(`task ${id} does not exist`);
      await this.tasks.delete(tx, id);
      await emitTaskDeleted(tx, t, ctx.userId);
      return id;
    });
  }
}
