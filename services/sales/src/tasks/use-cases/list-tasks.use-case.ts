import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type RequestContext } from '@crm/platform';
import { zOptId } from '../../common/validate';
import { TaskRepository } from '../task.repository';
import { type Task, type TaskFilter, TaskStatus } from '../task.types';

const schema = z.object({
  assigneeId: z.string().nullish(),
  teamId: zOptId('team id'),
  status: z.enum(TaskStatus).nullish(),
  dealId: zOptId('deal id'),
  contactId: zOptId('contact id'),
});

@Injectable()
export class ListTasks {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
  ) {}

  /** Tasks by due time, soonest first; counted only when totalCount is asked for. */
  execute(ctx: RequestContext, filter: TaskFilter, page: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Task>> {
    const f = parseInput(schema, filter, 'filter');
    return this.uow.run(ctx.tenantId, (tx) => this.tasks.list(tx, f, page, withTotal));
  }
}
