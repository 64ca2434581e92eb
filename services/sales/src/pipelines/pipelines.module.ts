import { Module } from '@nestjs/common';
import { DefaultPipeline } from './default-pipeline';
import { PipelineQueries } from './pipeline.queries';
import { PipelineRepository } from './pipeline.repository';
import { PipelinesResolver } from './pipelines.resolver';
import { CreatePipeline } from './use-cases/create-pipeline.use-case';

/** Pipelines and stages; deals use the repository, the default pipeline and the stage reads. */
@Module({
  providers: [PipelineRepository, PipelineQueries, DefaultPipeline, CreatePipeline, PipelinesResolver],
  exports: [PipelineRepository, PipelineQueries, DefaultPipeline],
})
export class PipelinesModule {}
