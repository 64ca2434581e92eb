import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { uuidOrUndefined } from '../common/graphql';
import { CreatePipelineInput, Pipeline } from './pipeline.types';
import { PipelinesService } from './pipelines.service';

@Resolver(() => Pipeline)
export class PipelinesResolver {
  constructor(private readonly service: PipelinesService) {}

  // A list, not a connection: pipelines with their stages are configuration, bounded by nature.
  @Query(() => [Pipeline], { description: 'The tenant’s pipelines, default first' })
  @RequirePermission(SalesPermission['deal.read'])
  pipelines() {
    return this.service.list(currentUser().tenantId);
  }

  @Query(() => Pipeline, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  async pipeline(@Args('id', { type: () => ID }) id: string) {
    const key = uuidOrUndefined(id);
    return key ? ((await this.service.list(currentUser().tenantId)).find((p) => p.id === key) ?? null) : null;
  }

  @Mutation(() => Pipeline, { description: 'A pipeline with ordered stages and their win probabilities' })
  @RequirePermission(SalesPermission['config.manage'])
  createPipeline(@Args('input') input: CreatePipelineInput) {
    return this.service.create(currentUser(), input);
  }
}
