import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
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
}

export interface StageSpec {
  name: string;
  probability: number;
}

export const toStage = (r: StageRow): Stage => ({ id: r.id, pipelineId: r.pipeline_id, name: r.name, position: r.position, probability: r.probability });

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
    const stages = await tx.query<StageRow>(`SELECT * FROM stages WHERE tenant_id = $1 ORDER BY position`, [tx.tenantId]);
    return pipes.map((p) => ({ id: p.id, name: p.name, isDefault: p.is_default, stages: stages.filter((s) => s.pipeline_id === p.id).map(toStage) }));
  }

  stage(tx: Tx, id: string): Promise<StageRow | undefined> {
    return tx.maybeOne<StageRow>(`SELECT * FROM stages WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
  }

  firstStage(tx: Tx, pipelineId: string): Promise<StageRow> {
    return tx.one<StageRow>(`SELECT * FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY position LIMIT 1`, [tx.tenantId, pipelineId]);
  }

  stagesOf(tx: Tx, pipelineId: string): Promise<StageRow[]> {
    return tx.query<StageRow>(`SELECT * FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY position`, [tx.tenantId, pipelineId]);
  }

  stagesByIds(tx: Tx, ids: readonly string[]): Promise<StageRow[]> {
    return tx.query<StageRow>(`SELECT * FROM stages WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...new Set(ids)]]);
  }
}
