import { conflict, invalidField, isUuid, notFound, type Tx } from '@crm/platform';
import type { PipelineRepository, PipelineRow, StageRow } from './pipeline.repository';

/** The operation's own id argument as a UUID: a malformed one is BAD_USER_INPUT naming the argument (checked before the transaction). */
export function idArgument(raw: string, field: string, what: string): string {
  if (!isUuid(raw)) throw invalidField(field, `"${String(raw).slice(0, 60)}" is not a ${what}`);
  return raw.toLowerCase();
}

/** The pipeline named by the operation's argument, locked for a stage edit; NOT_FOUND otherwise. */
export async function lockPipeline(pipelines: PipelineRepository, tx: Tx, id: string): Promise<PipelineRow> {
  const p = await pipelines.lock(tx, id);
  if (!p) throw notFound(`pipeline ${id} does not exist`);
  return p;
}

/** The active stage named by the operation's argument, with its pipeline locked; NOT_FOUND if unknown, CONFLICT if archived. */
export async function lockActiveStage(pipelines: PipelineRepository, tx: Tx, id: string): Promise<{ pipeline: PipelineRow; stage: StageRow }> {
  const found = await pipelines.stage(tx, id);
  if (!found) throw notFound(`stage ${id} does not exist`);
  const pipeline = await lockPipeline(pipelines, tx, found.pipeline_id);
  const stage = await pipelines.stageForUpdate(tx, id);
  if (stage.archived_at) throw conflict(`stage ${id} is archived; it can no longer be changed`, { stageId: id });
  return { pipeline, stage };
}
