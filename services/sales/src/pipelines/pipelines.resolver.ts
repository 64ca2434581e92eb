import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { CreatePipelineInput, Pipeline } from './pipeline.types';
import { PipelineQueries } from './pipeline.queries';
import { CreatePipeline } from './use-cases/create-pipeline.use-case';

@Resolver(() => Pipeline)
export class PipelinesResolver {
  constructor(
    private readonly queries: PipelineQueries,
    private readonly createPipeline_: CreatePipeline,
  ) {}

  // A list, not a connection: pipelines with their stages are configuration, bounded by nature.
  @Query(() => [Pipeline], { description: 'The tenant’s pipelines, default first' })
  @RequirePermission(SalesPermission['deal.read'])
  pipelines() {
    return this.queries.list(currentUser().tenantId);
  }

  @Query(() => Pipeline, { nullable: true })
  @RequirePermission(SalesPermission['deal.read'])
  pipeline(@Args('id', { type: () => ID }) id: string) {
    return this.queries.get(currentUser().tenantId, id);
  }

  @Mutation(() => Pipeline, { description: 'A pipeline with ordered stages and their win probabilities' })
  @RequirePermission(SalesPermission['config.manage'])
  createPipeline(@Args('input') input: CreatePipelineInput) {
    return this.createPipeline_.execute(currentUser(), input);
  }
}
