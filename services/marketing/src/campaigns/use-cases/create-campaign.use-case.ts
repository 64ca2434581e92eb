import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { conflict, invalidField, notFound, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { emitCampaignCreated } from '../campaign.events';
import { campaignInputSchema } from '../campaign.input';
import { CampaignRepository, type NewCampaign } from '../campaign.repository';
import { type Campaign, type CreateCampaignInput, CampaignStatus, type UpdateCampaignInput } from '../campaign.types';

/** Each segment id of the input must name a segment of the tenant (segments is the segments helper's table). */
async function requireSegments(tx: Tx, c: Pick<NewCampaign, 'includeSegmentIds' | 'excludeSegmentIds'>, input: { includeSegmentIds: string[]; excludeSegmentIds?: string[] | null }): Promise<void> {
  const all = [...c.includeSegmentIds, ...c.excludeSegmentIds];
  const found = new Set((await tx.query<{ id: string }>(`SELECT id FROM segments WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, all])).map((r) => r.id));
  const bad: { field: string; message: string }[] = [];
  input.includeSegmentIds.forEach((id, i) => !found.has(id.toLowerCase()) && bad.push({ field: `input.includeSegmentIds.${i}`, message: `segment ${id} does not exist` }));
  (input.excludeSegmentIds ?? []).forEach((id, i) => !found.has(id.toLowerCase()) && bad.push({ field: `input.excludeSegmentIds.${i}`, message: `segment ${id} does not exist` }));
  if (bad.length === 1) throw invalidField(bad[0].field, bad[0].message);
  if (bad.length) {
    const e = invalidField(bad[0].field, bad.map((b) => `${b.field}: ${b.message}`).join('; '));
    e.extensions.fields = bad;
    throw e;
  }
}

@Injectable()
export class CreateCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, input: CreateCampaignInput): Promise<Campaign> {
    const v = parseInput(campaignInputSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await requireSegments(tx, v, input);
      const created = await this.campaigns.insert(tx, { ...v, id: randomUUID(), createdBy: ctx.userId });
      await emitCampaignCreated(tx, created, ctx.userId);
      return created;
    });
  }
}

/** A full replacement of a draft; once scheduled a campaign's content is what was sent (CONFLICT). */
@Injectable()
export class UpdateCampaign {
  constructor(private readonly uow: UnitOfWork, private readonly campaigns: CampaignRepository) {}

  async execute(ctx: RequestContext, id: string, input: UpdateCampaignInput): Promise<Campaign> {
    const v = parseInput(campaignInputSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      const current = await this.campaigns.get(tx, id, true);
      if (!current) throw notFound(`campaign ${id} does not exist`);
      if (current.status !== CampaignStatus.DRAFT) throw conflict(`campaign ${id} is ${current.status}: only a draft can be edited`, { status: current.status });
      await requireSegments(tx, v, input);
      return this.campaigns.replaceDraft(tx, { ...v, id: current.id, createdBy: current.createdBy });
    });
  }
}
