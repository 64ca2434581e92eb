import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, requireRole } from '@crm/platform';
import { uuidOrUndefined } from '../common/graphql';
import { MANAGER_ROLES } from '../common/roles';
import { CreatePipelineInput, Pipeline } from './pipeline.types';
import { PipelinesService } from './pipelines.service';

@Resolver(() => Pipeline)
export class PipelinesResolver {
  constructor(private readonly service: PipelinesService) {}

  @Query(() => [Pipeline], { description: 'The tenant’s pipelines, default first' })
  pipelines() {
    return this.service.list(currentUser().tenantId);
  }

  @Query(() => Pipeline, { nullable: true })
  async pipeline(@Args('id', { type: () => ID }) id: string) {
    const key = uuidOrUndefined(id);
    return key ? ((await this.service.list(currentUser().tenantId)).find((p) => p.id === key) ?? null) : null;
  }

  @Mutation(() => Pipeline, { description: 'A pipeline with ordered stages and their win probabilities (admin or sales-manager)' })
  createPipeline(@Args('input') input: CreatePipelineInput) {
    return this.service.create(requireRole(...MANAGER_ROLES), input);
  }
}
