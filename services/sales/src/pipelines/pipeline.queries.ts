import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork } from '@crm/platform';
import { PipelineRepository, toStage } from './pipeline.repository';
import type { Pipeline, Stage, StageProbabilityChange } from './pipeline.types';

/** Reads of pipelines and stages (queries and DataLoader batches), each in one unit of work. */
@Injectable()
export class PipelineQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly pipelines: PipelineRepository,
  ) {}

  list(tenantId: string): Promise<Pipeline[]> {
    return this.uow.run(tenantId, (tx) => this.pipelines.all(tx));
  }

  /** A malformed id names nothing: null, like an unknown one. */
  async get(tenantId: string, id: string): Promise<Pipeline | null> {
    if (!isUuid(id)) return null;
    const key = id.toLowerCase();
    return (await this.list(tenantId)).find((p) => p.id === key) ?? null;
  }

  async probabilityHistoryOf(tenantId: string, stageIds: readonly string[]): Promise<StageProbabilityChange[][]> {
    const rows = await this.uow.run(tenantId, (tx) => this.pipelines.probabilityHistoryOf(tx, stageIds));
    return stageIds.map((id) =>
      rows.filter((r) => r.stage_id === id).map((r) => ({ fromProbability: r.from_probability, toProbability: r.to_probability, changedBy: r.changed_by, changedAt: r.changed_at })),
    );
  }

  async stagesByIds(tenantId: string, ids: readonly string[]): Promise<(Stage | null)[]> {
    const rows = await this.uow.run(tenantId, (tx) => this.pipelines.stagesByIds(tx, ids));
    const byId = new Map(rows.map((r) => [r.id, toStage(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
