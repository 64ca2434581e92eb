import { PipelineCreatedV1, PipelineStagesChangedV1, PipelineUpdatedV1, type EventData } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { Pipeline } from './pipeline.types';

export function emitPipelineCreated(tx: Tx, p: Pipeline, createdBy: string): Promise<void> {
  return tx.emit(PipelineCreatedV1, p.id, {
    pipelineId: p.id, name: p.name, isDefault: p.isDefault, createdBy,
    stages: p.stages.map((s) => ({ stageId: s.id, name: s.name, position: s.position, probability: s.probability })),
  });
}

export type StagesChange = 'stage_added' | 'stage_updated' | 'stages_reordered' | 'stage_archived';

/** `p` is the pipeline after the change (its active stages, in order). */
export function emitPipelineStagesChanged(
  tx: Tx,
  p: Pipeline,
  change: StagesChange,
  stageId: string | null,
  changedBy: string,
  previousProbability: number | null = null,
): Promise<void> {
  return tx.emit(PipelineStagesChangedV1, p.id, {
    pipelineId: p.id, change, stageId, previousProbability, changedBy,
    stages: p.stages.map((s) => ({ stageId: s.id, name: s.name, position: s.position, probability: s.probability })),
  });
}

export function emitPipelineUpdated(tx: Tx, data: EventData<typeof PipelineUpdatedV1>): Promise<void> {
  return tx.emit(PipelineUpdatedV1, data.pipelineId, data);
}
