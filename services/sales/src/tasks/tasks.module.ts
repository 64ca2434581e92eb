import { Module } from '@nestjs/common';
import { DealsModule } from '../deals/deals.module';
import { ReminderScheduler } from './reminder-scheduler';
import { TaskQueries } from './task.queries';
import { TaskRepository } from './task.repository';
import { DealTasksResolver, TasksResolver } from './tasks.resolver';
import { CompleteTask } from './use-cases/complete-task.use-case';
import { CreateTask } from './use-cases/create-task.use-case';
import { DeleteTask } from './use-cases/delete-task.use-case';
import { UpdateTask } from './use-cases/update-task.use-case';
import { ListTasks } from './use-cases/list-tasks.use-case';

/** Tasks on deals and contacts, Deal.tasks, and the reminder scheduler (task.due.v1). */
@Module({
  imports: [DealsModule],
  providers: [TaskRepository, TaskQueries, ListTasks, CreateTask, UpdateTask, DeleteTask, CompleteTask, TasksResolver, DealTasksResolver, ReminderScheduler],
  exports: [ReminderScheduler],
})
export class TasksModule {}
