import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, conflictOnUnique, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zText } from '../../common/validate';
import { emitPipelineCreated } from '../pipeline.events';
import { PipelineRepository } from '../pipeline.repository';
import type { CreatePipelineInput, Pipeline } from '../pipeline.types';

const schema = z.object({
  name: zText(200),
  stages: z
    .array(
      z.object({
        name: zText(100),
        probability: z.number().int('must be a whole percentage between 0 and 100').min(0, 'must be a whole percentage between 0 and 100').max(100, 'must be a whole percentage between 0 and 100'),
      }),
      { error: 'a pipeline needs at least one stage' },
    )
    .min(1, 'a pipeline needs at least one stage')
    .max(50, 'at most 50 stages'),
  isDefault: z.boolean().nullish(),
});

@Injectable()
export class CreatePipeline {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  async execute(ctx: RequestContext, input: CreatePipelineInput): Promise<Pipeline> {
    const { name, stages, isDefault } = parseInput(schema, input, 'input');
    const write = () =>
      this.uow.run(ctx.tenantId, async (tx) => {
        await this.pipelines.lockCreation(tx);
        const dup = await this.pipelines.findByName(tx, name);
        if (dup) throw conflict(`input.name: a pipeline named "${name}" already exists (${dup.id})`, { field: 'input.name', existingPipelineId: dup.id });
        if (isDefault) await this.pipelines.clearDefault(tx);
        const first = (await this.pipelines.count(tx)) === 0;
        const p = await this.pipelines.insert(tx, name, stages, !!isDefault || first);
        await emitPipelineCreated(tx, p, ctx.userId);
        return p;
      });
    // Safety net: the lock makes a race impossible among sales processes of this version.
    return conflictOnUnique(write, (constraint) =>
      constraint === 'pipelines_name'
        ? conflict(`input.name: a pipeline named "${name}" was created at the same time`, { field: 'input.name' })
        : constraint === 'pipelines_default'
          ? conflict('input.isDefault: another pipeline became the default at the same time; retry', { field: 'input.isDefault' })
          : undefined,
    );
  }
}
