import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SqlParams, type Tx } from '@crm/platform';
import type { Pipeline, Stage } from './pipeline.types';

export interface PipelineRow {
  [column: string]: unknown;
  id: string;
  name: string;
  is_default: boolean;
}

export interface StageRow {
  [column: string]: unknown;
  id: string;
  pipeline_id: string;
  name: string;
  position: number;
  probability: number;
  archived_at: Date | null;
}

export interface ProbabilityChangeRow {
  [column: string]: unknown;
  stage_id: string;
  from_probability: number;
  to_probability: number;
  changed_by: string;
  changed_at: Date;
}

export interface StageSpec {
  name: string;
  probability: number;
}

export const toStage = (r: StageRow): Stage => ({
  id: r.id, pipelineId: r.pipeline_id, name: r.name, position: r.position, probability: r.probability, archivedAt: r.archived_at ?? null,
});

/**
 * The columns StageRow reads, named rather than `*`: a prepared `SELECT *` fails on every connection
 * that prepared it once a migration adds a column (tx.ts, stalePrepared), and the rows carry only
 * what toStage maps.
 */
const STAGE_COLUMNS = 'id, pipeline_id, name, position, probability, archived_at';

/** Active stages only: an archived stage keeps its row (history points at it) but leaves the pipeline. */
const ACTIVE = 'archived_at IS NULL';

/** Pipelines and their stages. */
@Injectable()
export class PipelineRepository {
  /**
   * Pipeline creation is serialised per tenant (createPipeline and the implicit default pipeline of
   * a first deal): the name check, the default choice and the insert then see each other's commits.
   */
  async lockCreation(tx: Tx): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`sales.default-pipeline:${tx.tenantId}`]);
  }

  findByName(tx: Tx, name: string): Promise<{ id: string } | undefined> {
    return tx.maybeOne<{ id: string }>(`SELECT id FROM pipelines WHERE tenant_id = $1 AND lower(name) = lower($2)`, [tx.tenantId, name]);
  }

  /** Renames and/or makes default; returns the updated row. */
  async update(tx: Tx, id: string, changes: { name?: string; isDefault?: true }): Promise<PipelineRow> {
    return tx.one<PipelineRow>(
      `UPDATE pipelines SET name = coalesce($3, name), is_default = is_default OR $4 WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [tx.tenantId, id, changes.name ?? null, changes.isDefault === true],
    );
  }

  async clearDefault(tx: Tx): Promise<void> {
    await tx.query(`UPDATE pipelines SET is_default = false WHERE tenant_id = $1 AND is_default`, [tx.tenantId]);
  }

  async count(tx: Tx): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM pipelines WHERE tenant_id = $1`, [tx.tenantId])).n;
  }

  /** The default pipeline's id (or the oldest one), if the tenant has any. */
  async defaultId(tx: Tx): Promise<string | undefined> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM pipelines WHERE tenant_id = $1 ORDER BY is_default DESC, created_at, id LIMIT 1`, [tx.tenantId]))?.id;
  }

  async exists(tx: Tx, id: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT id FROM pipelines WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]));
  }

  async insert(tx: Tx, name: string, stages: StageSpec[], isDefault: boolean): Promise<Pipeline> {
    const id = randomUUID();
    await tx.query(`INSERT INTO pipelines (id, tenant_id, name, is_default) VALUES ($1, $2, $3, $4)`, [id, tx.tenantId, name, isDefault]);
    const rows = await tx.query<StageRow>(
      `INSERT INTO stages (id, tenant_id, pipeline_id, name, position, probability)
       SELECT gen_random_uuid(), $1, $2, n, p - 1, pr FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS u(n, pr, p) RETURNING *`,
      [tx.tenantId, id, stages.map((s) => s.name), stages.map((s) => s.probability)],
    );
    return { id, name, isDefault, stages: rows.map(toStage).sort((a, b) => a.position - b.position) };
  }

  /** Every pipeline of the tenant, default first, with its stages in order. */
  async all(tx: Tx): Promise<Pipeline[]> {
    const pipes = await tx.query<PipelineRow>(`SELECT * FROM pipelines WHERE tenant_id = $1 ORDER BY is_default DESC, lower(name)`, [tx.tenantId]);
    const stages = await tx.query<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND ${ACTIVE} ORDER BY position`, [tx.tenantId]);
    return pipes.map((p) => ({ id: p.id, name: p.name, isDefault: p.is_default, stages: stages.filter((s) => s.pipeline_id === p.id).map(toStage) }));
  }

  stage(tx: Tx, id: string): Promise<StageRow | undefined> {
    return tx.maybeOne<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  /**
   * A stage a deal is about to enter: KEY SHARE holds off archiveStage (FOR UPDATE) until the deal
   * is committed, so it counts the deal, while renames and re-orderings go on.
   */
  stageForDeal(tx: Tx, id: string): Promise<StageRow | undefined> {
    return tx.maybeOne<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE`, [tx.tenantId, id]);
  }

  stageForUpdate(tx: Tx, id: string): Promise<StageRow> {
    return tx.one<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  firstStage(tx: Tx, pipelineId: string): Promise<StageRow> {
    return tx.one<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} ORDER BY position LIMIT 1 FOR KEY SHARE`, [tx.tenantId, pipelineId]);
  }

  /** The active stages of a pipeline, in order. */
  stagesOf(tx: Tx, pipelineId: string): Promise<StageRow[]> {
    return tx.query<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} ORDER BY position`, [tx.tenantId, pipelineId]);
  }

  /** The pipeline with its active stages. */
  async withStages(tx: Tx, p: PipelineRow): Promise<Pipeline> {
    return { id: p.id, name: p.name, isDefault: p.is_default, stages: (await this.stagesOf(tx, p.id)).map(toStage) };
  }

  /** Stage edits of a pipeline are serialised on its row (positions are renumbered as a whole). */
  async lock(tx: Tx, id: string): Promise<PipelineRow | undefined> {
    return tx.maybeOne<PipelineRow>(`SELECT * FROM pipelines WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
  }

  async insertStage(tx: Tx, pipelineId: string, spec: StageSpec, position: number): Promise<StageRow> {
    // Make room: shift the stages at and after the position (two steps, the active position index is checked per row).
    await tx.query(`UPDATE stages SET position = -position - 1 WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} AND position >= $3`, [tx.tenantId, pipelineId, position]);
    await tx.query(`UPDATE stages SET position = -position WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} AND position < 0`, [tx.tenantId, pipelineId]);
    return tx.one<StageRow>(
      `INSERT INTO stages (id, tenant_id, pipeline_id, name, position, probability) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING *`,
      [tx.tenantId, pipelineId, spec.name, position, spec.probability],
    );
  }

  /** Positions 0..n-1 in the given order (every active stage of the pipeline, checked by the caller). */
  async reorder(tx: Tx, pipelineId: string, orderedIds: readonly string[]): Promise<void> {
    await tx.query(`UPDATE stages SET position = -position - 1 WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE}`, [tx.tenantId, pipelineId]);
    await tx.query(
      `UPDATE stages s SET position = u.p - 1 FROM unnest($3::uuid[]) WITH ORDINALITY AS u(id, p) WHERE s.tenant_id = $1 AND s.pipeline_id = $2 AND s.id = u.id`,
      [tx.tenantId, pipelineId, [...orderedIds]],
    );
  }

  async updateStage(tx: Tx, id: string, changes: { name?: string; probability?: number }): Promise<StageRow> {
    const q = new SqlParams(tx.tenantId, id);
    return tx.one<StageRow>(`UPDATE stages SET ${q.set(changes)} WHERE tenant_id = $1 AND id = $2 RETURNING *`, q.values);
  }

  async recordProbability(tx: Tx, stageId: string, from: number, to: number, changedBy: string): Promise<void> {
    await tx.query(
      `INSERT INTO stage_probability_history (tenant_id, stage_id, from_probability, to_probability, changed_by) VALUES ($1, $2, $3, $4, $5)`,
      [tx.tenantId, stageId, from, to, changedBy],
    );
  }

  probabilityHistoryOf(tx: Tx, stageIds: readonly string[]): Promise<ProbabilityChangeRow[]> {
    return tx.query<ProbabilityChangeRow>(
      `SELECT stage_id, from_probability, to_probability, changed_by, changed_at FROM stage_probability_history WHERE tenant_id = $1 AND stage_id = ANY($2::uuid[]) ORDER BY changed_at, id`,
      [tx.tenantId, [...new Set(stageIds)]],
    );
  }

  /** Archives the stage and closes the gap it leaves in the active positions. */
  async archiveStage(tx: Tx, stage: StageRow, archivedBy: string): Promise<void> {
    await tx.query(`UPDATE stages SET archived_at = now(), archived_by = $3 WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, stage.id, archivedBy]);
    // Two steps, as in insertStage: the active position index is checked row by row.
    await tx.query(`UPDATE stages SET position = -position WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} AND position > $3`, [tx.tenantId, stage.pipeline_id, stage.position]);
    await tx.query(`UPDATE stages SET position = -position - 1 WHERE tenant_id = $1 AND pipeline_id = $2 AND ${ACTIVE} AND position < 0`, [tx.tenantId, stage.pipeline_id]);
  }

  /** Open deals (archived ones included: they come back when restored) in a stage. */
  async openDealsIn(tx: Tx, stageId: string): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM deals WHERE tenant_id = $1 AND stage_id = $2 AND status = 'open'`, [tx.tenantId, stageId])).n;
  }

  stagesByIds(tx: Tx, ids: readonly string[]): Promise<StageRow[]> {
    return tx.prepared<StageRow>(`SELECT ${STAGE_COLUMNS} FROM stages WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...new Set(ids)]]);
  }
}
