import { Module } from '@nestjs/common';
import { DefaultPipeline } from './default-pipeline';
import { PipelineQueries } from './pipeline.queries';
import { PipelineRepository } from './pipeline.repository';
import { PipelinesResolver, StagesResolver } from './pipelines.resolver';
import { AddStage } from './use-cases/add-stage.use-case';
import { ArchiveStage } from './use-cases/archive-stage.use-case';
import { ReorderStages } from './use-cases/reorder-stages.use-case';
import { UpdateStage } from './use-cases/update-stage.use-case';
import { CreatePipeline } from './use-cases/create-pipeline.use-case';
import { UpdatePipeline } from './use-cases/update-pipeline.use-case';

/** Pipelines and stages; deals use the repository, the default pipeline and the stage reads. */
@Module({
  providers: [
    PipelineRepository, PipelineQueries, DefaultPipeline, CreatePipeline, UpdatePipeline, AddStage, UpdateStage, ReorderStages, ArchiveStage, PipelinesResolver, StagesResolver,
  ],
  exports: [PipelineRepository, PipelineQueries, DefaultPipeline],
})
export class PipelinesModule {}
