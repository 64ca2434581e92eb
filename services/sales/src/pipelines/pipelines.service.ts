import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PipelineCreatedV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, withTenant, type RequestContext, conflictOnUnique, xactLock } from '@crm/platform';
import { requireText } from '../common/validate';
import { type CreatePipelineInput, type Pipeline, type Stage, toStage } from './pipeline.types';

/** What a tenant gets on its first deal if it has set up no pipeline (a common B2B sales process). */
export const DEFAULT_STAGES = [
  { name: 'Qualification', probability: 10 },
  { name: 'Needs analysis', probability: 25 },
  { name: 'Proposal', probability: 50 },
  { name: 'Negotiation', probability: 75 },
];

@Injectable()
export class PipelinesService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  /**
   * Pipeline creation is serialised per tenant (createPipeline and the implicit default pipeline of
   * a first deal): the name check, the default choice and the insert then see each other's commits.
   */
  private lockPipelines(m: EntityManager, tenantId: string) {
    return xactLock(m, `sales.default-pipeline:${tenantId}`);
  }

  async create(ctx: RequestContext, input: CreatePipelineInput): Promise<Pipeline> {
    const name = requireText(input.name, 'input.name', 200);
    if (!input.stages?.length) throw badUserInput('input.stages: a pipeline needs at least one stage', { field: 'input.stages' });
    if (input.stages.length > 50) throw badUserInput('input.stages: at most 50 stages', { field: 'input.stages' });
    const stages = input.stages.map((s, i) => {
      if (!Number.isInteger(s.probability) || s.probability < 0 || s.probability > 100) {
        throw badUserInput(`input.stages.${i}.probability: must be a whole percentage between 0 and 100`, { field: `input.stages.${i}.probability` });
      }
      return { name: requireText(s.name, `input.stages.${i}.name`, 100), probability: s.probability };
    });
    const write = () =>
      withTenant(this.ds, ctx.tenantId, async (m) => {
        await this.lockPipelines(m, ctx.tenantId);
        const [dup] = await m.query(`SELECT id FROM pipelines WHERE tenant_id = $1 AND lower(name) = lower($2)`, [ctx.tenantId, name]);
        if (dup) throw conflict(`input.name: a pipeline named "${name}" already exists (${dup.id})`, { field: 'input.name', existingPipelineId: dup.id });
        if (input.isDefault) await m.query(`UPDATE pipelines SET is_default = false WHERE tenant_id = $1 AND is_default`, [ctx.tenantId]);
        const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM pipelines WHERE tenant_id = $1`, [ctx.tenantId]);
        return this.insert(m, ctx.tenantId, name, stages, !!input.isDefault || n === 0, ctx.userId);
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

  private async insert(m: EntityManager, tenantId: string, name: string, stages: { name: string; probability: number }[], isDefault: boolean, createdBy: string): Promise<Pipeline> {
    const id = randomUUID();
    await m.query(`INSERT INTO pipelines (id, tenant_id, name, is_default) VALUES ($1, $2, $3, $4)`, [id, tenantId, name, isDefault]);
    const rows = await m.query(
      `INSERT INTO stages (id, tenant_id, pipeline_id, name, position, probability)
       SELECT gen_random_uuid(), $1, $2, n, p - 1, pr FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS u(n, pr, p) RETURNING *`,
      [tenantId, id, stages.map((s) => s.name), stages.map((s) => s.probability)],
    );
    const pipeline = { id, name, isDefault, stages: rows.map(toStage).sort((a: Stage, b: Stage) => a.position - b.position) };
    await this.events.emit(m, tenantId, [
      {
        type: PipelineCreatedV1.type,
        subject: id,
        data: {
          pipelineId: id, name, isDefault, createdBy,
          stages: pipeline.stages.map((s: Stage) => ({ stageId: s.id, name: s.name, position: s.position, probability: s.probability })),
        },
      },
    ]);
    return pipeline;
  }

  /** The tenant's default pipeline id; creates the standard one on first use (emitting pipeline.created). */
  async ensureDefault(m: EntityManager, tenantId: string, userId: string): Promise<string> {
    const [row] = await m.query(`SELECT id FROM pipelines WHERE tenant_id = $1 ORDER BY is_default DESC, created_at, id LIMIT 1`, [tenantId]);
    if (row) return row.id;
    // Two first deals at once, or a first deal beside createPipeline: serialise the creation per tenant.
    await this.lockPipelines(m, tenantId);
    const [again] = await m.query(`SELECT id FROM pipelines WHERE tenant_id = $1 ORDER BY is_default DESC, created_at, id LIMIT 1`, [tenantId]);
    if (again) return again.id;
    return (await this.insert(m, tenantId, 'Sales pipeline', DEFAULT_STAGES, true, userId)).id;
  }

  async list(tenantId: string): Promise<Pipeline[]> {
    return withTenant(this.ds, tenantId, async (m) => {
      const pipes = await m.query(`SELECT * FROM pipelines WHERE tenant_id = $1 ORDER BY is_default DESC, lower(name)`, [tenantId]);
      const stages = await m.query(`SELECT * FROM stages WHERE tenant_id = $1 ORDER BY position`, [tenantId]);
      return pipes.map((p: any) => ({ id: p.id, name: p.name, isDefault: p.is_default, stages: stages.filter((s: any) => s.pipeline_id === p.id).map(toStage) }));
    });
  }

  async stagesByIds(tenantId: string, ids: readonly string[]): Promise<(Stage | null)[]> {
    const rows = await withTenant(this.ds, tenantId, (m) => m.query(`SELECT * FROM stages WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, [...new Set(ids)]]));
    const byId = new Map<string, Stage>(rows.map((r: any) => [r.id, toStage(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }
}
