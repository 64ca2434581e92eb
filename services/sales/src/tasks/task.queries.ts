import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import { TaskRepository } from './task.repository';
import type { Task } from './task.types';

/** Batched reads of tasks (Deal.tasks), each batch in one unit of work. */
@Injectable()
export class TaskQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tasks: TaskRepository,
  ) {}

  byDeals(tenantId: string, dealIds: readonly string[]): Promise<Task[][]> {
    return this.uow.run(tenantId, (tx) => this.tasks.byDeals(tx, dealIds));
  }
}
