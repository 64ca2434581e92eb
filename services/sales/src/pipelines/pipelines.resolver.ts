import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { AddStageInput, CreatePipelineInput, Pipeline, Stage, StageProbabilityChange, UpdatePipelineInput, UpdateStageInput } from './pipeline.types';
import { PipelineQueries } from './pipeline.queries';
import { AddStage } from './use-cases/add-stage.use-case';
import { ArchiveStage } from './use-cases/archive-stage.use-case';
import { CreatePipeline } from './use-cases/create-pipeline.use-case';
import { ReorderStages } from './use-cases/reorder-stages.use-case';
import { UpdatePipeline } from './use-cases/update-pipeline.use-case';
import { UpdateStage } from './use-cases/update-stage.use-case';

@Resolver(() => Pipeline)
export class PipelinesResolver {
  constructor(
    private readonly queries: PipelineQueries,
    private readonly createPipeline_: CreatePipeline,
    private readonly updatePipeline_: UpdatePipeline,
    private readonly addStage_: AddStage,
    private readonly updateStage_: UpdateStage,
    private readonly reorderStages_: ReorderStages,
    private readonly archiveStage_: ArchiveStage,
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

  @Mutation(() => Pipeline, { description: 'Renames a pipeline and/or makes it the tenant’s default (deals keep their pipeline)' })
  @RequirePermission(SalesPermission['config.manage'])
  updatePipeline(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdatePipelineInput) {
    return this.updatePipeline_.execute(currentUser(), id, input);
  }

  @Mutation(() => Pipeline, { description: 'Adds a stage at a position (default: last); the stages after it move one down' })
  @RequirePermission(SalesPermission['config.manage'])
  addStage(@Args('pipelineId', { type: () => ID }) pipelineId: string, @Args('input') input: AddStageInput) {
    return this.addStage_.execute(currentUser(), pipelineId, input);
  }

  @Mutation(() => Stage, { description: 'Renames a stage and/or changes its win probability (kept in probabilityHistory)' })
  @RequirePermission(SalesPermission['config.manage'])
  updateStage(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateStageInput) {
    return this.updateStage_.execute(currentUser(), id, input);
  }

  @Mutation(() => Pipeline, { description: 'Re-orders the stages: stageIds lists every active stage of the pipeline once, in the new order' })
  @RequirePermission(SalesPermission['config.manage'])
  reorderStages(@Args('pipelineId', { type: () => ID }) pipelineId: string, @Args('stageIds', { type: () => [ID] }) stageIds: string[]) {
    return this.reorderStages_.execute(currentUser(), pipelineId, stageIds);
  }

  @Mutation(() => Pipeline, { description: 'Takes a stage out of its pipeline; CONFLICT while open deals are in it (move them first)' })
  @RequirePermission(SalesPermission['config.manage'])
  archiveStage(@Args('id', { type: () => ID }) id: string) {
    return this.archiveStage_.execute(currentUser(), id);
  }
}

@Resolver(() => Stage)
export class StagesResolver {
  constructor(private readonly queries: PipelineQueries) {}

  @ResolveField(() => [StageProbabilityChange], { description: 'Every change of its win probability, oldest first' })
  probabilityHistory(@Parent() s: Stage) {
    return tenantLoader<string, StageProbabilityChange[]>('stage-probability-history', (t, ids) => this.queries.probabilityHistoryOf(t, ids)).load(s.id);
  }
}
