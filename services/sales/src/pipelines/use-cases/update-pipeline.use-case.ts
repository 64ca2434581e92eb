import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, conflictOnUnique, invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zText } from '../../common/validate';
import { emitPipelineUpdated } from '../pipeline.events';
import { PipelineRepository } from '../pipeline.repository';
import type { Pipeline, UpdatePipelineInput } from '../pipeline.types';
import { idArgument, lockPipeline } from '../stage-guards';

// null is refused: a pipeline always has a name, and a tenant always has a default (set it on another pipeline instead).
const schema = z
  .object({
    name: zText(200).optional(),
    isDefault: z.literal(true, { error: 'a tenant always has a default pipeline: make another pipeline the default instead' }).optional(),
  })
  .refine((i) => i.name !== undefined || i.isDefault !== undefined, { error: 'nothing to change: give name and/or isDefault', path: ['name'] });

@Injectable()
export class UpdatePipeline {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  /** Renames a pipeline and/or makes it the tenant's default. Deals keep their pipeline; only its name changes. */
  async execute(ctx: RequestContext, rawId: string, input: UpdatePipelineInput): Promise<Pipeline> {
    const changes = parseInput(schema, input, 'input');
    const id = idArgument(rawId, 'id', 'pipeline id');
    const write = () =>
      this.uow.run(ctx.tenantId, async (tx) => {
        // The same lock as creation: a rename and a createPipeline of the same name, or two new defaults, see each other.
        await this.pipelines.lockCreation(tx);
        const before = await lockPipeline(this.pipelines, tx, id);
        const name = changes.name !== undefined && changes.name !== before.name ? changes.name : undefined;
        const makeDefault = changes.isDefault === true && !before.is_default ? true : undefined;
        if (name === undefined && makeDefault === undefined) return this.pipelines.withStages(tx, before);
        if (name !== undefined) {
          const dup = await this.pipelines.findByName(tx, name);
          if (dup && dup.id !== id) throw invalidField('input.name', `a pipeline named "${name}" already exists (${dup.id})`);
        }
        const previousDefault = makeDefault ? ((await this.pipelines.defaultId(tx)) ?? null) : null;
        if (makeDefault) await this.pipelines.clearDefault(tx);
        const after = await this.pipelines.update(tx, id, { name, isDefault: makeDefault });
        await emitPipelineUpdated(tx, {
          pipelineId: id,
          name: after.name,
          previousName: name !== undefined ? before.name : null,
          isDefault: after.is_default,
          previousDefaultPipelineId: previousDefault,
          changedBy: ctx.userId,
        });
        return this.pipelines.withStages(tx, after);
      });
    // Safety net for writers that do not take the lock (none in this version).
    return conflictOnUnique(write, (constraint) =>
      constraint === 'pipelines_name' ? conflict(`input.name: a pipeline named "${changes.name}" was created at the same time`, { field: 'input.name' }) : undefined,
    );
  }
}
