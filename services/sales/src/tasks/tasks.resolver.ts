import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { SalesPermission } from '../permissions';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { CreateTaskInput, Task, TaskConnection, TaskFilter, UpdateTaskInput } from './task.types';
import { TaskQueries } from './task.queries';
import { CompleteTask } from './use-cases/complete-task.use-case';
import { CreateTask } from './use-cases/create-task.use-case';
import { DeleteTask } from './use-cases/delete-task.use-case';
import { UpdateTask } from './use-cases/update-task.use-case';
import { ListTasks } from './use-cases/list-tasks.use-case';

@Resolver(() => Task)
export class TasksResolver {
  constructor(
    private readonly listTasks: ListTasks,
    private readonly createTask_: CreateTask,
    private readonly completeTask_: CompleteTask,
    private readonly updateTask_: UpdateTask,
    private readonly deleteTask_: DeleteTask,
  ) {}

  @Query(() => TaskConnection, { description: 'Tasks by due time, soonest first' })
  @RequirePermission(SalesPermission['deal.read'])
  tasks(@Args() page: PageArgs, @Args('filter', { type: () => TaskFilter, nullable: true }) filter: TaskFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.listTasks.execute(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Task)
  @RequirePermission(SalesPermission['deal.write'])
  createTask(@Args('input') input: CreateTaskInput) {
    return this.createTask_.execute(currentUser(), input);
  }

  @Mutation(() => Task, { description: 'Reschedules, reassigns or edits an open task (its reminder is scheduled again when dueAt or remindMinutesBefore change)' })
  @RequirePermission(SalesPermission['deal.write'])
  updateTask(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateTaskInput) {
    return this.updateTask_.execute(currentUser(), id, input);
  }

  @Mutation(() => ID, { description: 'Deletes a task and its pending reminder; returns its id' })
  @RequirePermission(SalesPermission['deal.write'])
  deleteTask(@Args('id', { type: () => ID }) id: string) {
    return this.deleteTask_.execute(currentUser(), id);
  }

  @Mutation(() => Task, { description: 'Marks an open task done; for a recurring task, creates the next one of the series' })
  @RequirePermission(SalesPermission['deal.write'])
  completeTask(@Args('id', { type: () => ID }) id: string) {
    return this.completeTask_.execute(currentUser(), id);
  }
}

@Resolver(() => Deal)
export class DealTasksResolver {
  constructor(private readonly queries: TaskQueries) {}

  @ResolveField(() => [Task])
  tasks(@Parent() d: Deal) {
    return tenantLoader<string, Task[]>('deal-tasks', (t, ids) => this.queries.byDeals(t, ids)).load(d.id);
  }
}
