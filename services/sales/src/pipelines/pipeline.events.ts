import { PipelineCreatedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { Pipeline } from './pipeline.types';

export function emitPipelineCreated(tx: Tx, p: Pipeline, createdBy: string): Promise<void> {
  return tx.emit(PipelineCreatedV1, p.id, {
    pipelineId: p.id, name: p.name, isDefault: p.isDefault, createdBy,
    stages: p.stages.map((s) => ({ stageId: s.id, name: s.name, position: s.position, probability: s.probability })),
  });
}
