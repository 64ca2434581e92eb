import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { CreateTaskInput, Task, TaskFilter } from './task.types';
import { TasksService } from './tasks.service';

@Resolver(() => Task)
export class TasksResolver {
  constructor(private readonly service: TasksService) {}

  @Query(() => [Task], { description: 'By due time' })
  @RequirePermission(SalesPermission['deal.read'])
  tasks(@Args('filter', { type: () => TaskFilter, nullable: true }) filter?: TaskFilter) {
    return this.service.list(currentUser(), filter ?? {});
  }

  @Mutation(() => Task)
  @RequirePermission(SalesPermission['deal.write'])
  createTask(@Args('input') input: CreateTaskInput) {
    return this.service.create(currentUser(), input);
  }

  @Mutation(() => Task)
  @RequirePermission(SalesPermission['deal.write'])
  completeTask(@Args('id', { type: () => ID }) id: string) {
    return this.service.complete(currentUser(), id);
  }
}

@Resolver(() => Deal)
export class DealTasksResolver {
  constructor(private readonly service: TasksService) {}

  @ResolveField(() => [Task])
  tasks(@Parent() d: Deal) {
    return tenantLoader<string, Task[]>('deal-tasks', (t, ids) => this.service.byDeals(t, ids)).load(d.id);
  }
}
