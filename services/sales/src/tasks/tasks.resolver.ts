import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { SalesPermission } from '../permissions';
import { currentUser, PageArgs, RequirePermission, selectsField } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { Deal } from '../deals/deal.types';
import { CreateTaskInput, Task, TaskConnection, TaskFilter } from './task.types';
import { TasksService } from './tasks.service';

@Resolver(() => Task)
export class TasksResolver {
  constructor(private readonly service: TasksService) {}

  @Query(() => TaskConnection, { description: 'Tasks by due time, soonest first' })
  @RequirePermission(SalesPermission['deal.read'])
  tasks(@Args() page: PageArgs, @Args('filter', { type: () => TaskFilter, nullable: true }) filter: TaskFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.service.list(currentUser(), filter ?? {}, page, selectsField(info, 'totalCount'));
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
