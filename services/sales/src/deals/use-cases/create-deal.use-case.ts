import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { CompanyReplica, ContactReplica } from '@crm/shared-contacts';
import { zId, zOptDate, zOptId, zOptText, zText } from '../../common/validate';
import { DefaultPipeline } from '../../pipelines/default-pipeline';
import { PipelineRepository, type StageRow } from '../../pipelines/pipeline.repository';
import { dealAmount, zDealSource } from '../deal-input';
import { emitDealCreated } from '../deal.events';
import { DealRepository, toDeal } from '../deal.repository';
import { type CreateDealInput, type Deal, ForecastCategory } from '../deal.types';
import { DirectoryReplica } from '@crm/shared-directory';

const schema = z.object({
  title: zText(200),
  contactId: zId('contact id'),
  pipelineId: zOptId('pipeline id'),
  stageId: zOptId('stage id'),
  companyId: zOptId('company id'),
  ownerId: zOptText(200),
  expectedCloseDate: zOptDate(),
  forecastCategory: z.enum(ForecastCategory).nullish(),
  source: zDealSource,
  notes: zOptText(10000),
});

@Injectable()
export class CreateDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
    private readonly pipelines: PipelineRepository,
    private readonly defaultPipeline: DefaultPipeline,
    private readonly replica: ContactReplica,
    private readonly companies: CompanyReplica,
    private readonly directory: DirectoryReplica,
  ) {}

  async execute(ctx: RequestContext, input: CreateDealInput): Promise<Deal> {
    const v = this.parse(input);
    return this.uow.run(ctx.tenantId, (tx) => this.insert(tx, ctx, v));
  }

  /** Creates the deal in the caller's transaction (the deals import: a historical deal is created and closed in one). */
  create(tx: Tx, ctx: RequestContext, input: CreateDealInput): Promise<Deal> {
    return this.insert(tx, ctx, this.parse(input));
  }

  private parse(input: CreateDealInput) {
    return { ...parseInput(schema, input, 'input'), amount: dealAmount(input.amount, 'input.amount') };
  }

  private async insert(tx: Tx, ctx: RequestContext, v: ReturnType<CreateDeal['parse']>): Promise<Deal> {
    const contact = await this.replica.requireActive(tx, v.contactId, 'input.contactId');
    await this.directory.requireOwners(tx, ctx.userId, [{ field: 'input.ownerId', ownerId: v.ownerId }]);
    // A merged-away company is stored as its survivor.
    const companyId = v.companyId ? (await this.companies.require(tx, v.companyId, 'input.companyId')).companyId : null;
    const stage = await this.stageFor(tx, v.pipelineId, v.stageId, ctx.userId);
    const id = randomUUID();
    const deal = toDeal(
      await this.deals.insert(tx, {
        id, title: v.title, contactId: contact.contactId, companyId, ownerId: v.ownerId ?? ctx.userId, pipelineId: stage.pipeline_id,
        stageId: stage.id, amount: v.amount.amount, currency: v.amount.currency, expectedCloseDate: v.expectedCloseDate, source: v.source,
        forecastCategory: v.forecastCategory ?? ForecastCategory.PIPELINE, notes: v.notes, createdBy: ctx.userId,
      }),
    );
    await this.deals.recordStage(tx, { dealId: id, pipelineId: stage.pipeline_id, fromStageId: null, toStageId: stage.id, movedBy: ctx.userId });
    // The event carries the source as given (the row's jsonb would reorder its keys).
    await emitDealCreated(tx, { ...deal, source: v.source }, ctx.userId);
    return deal;
  }

  /** The given stage (of the given pipeline, if both), else the first stage of the given or default pipeline. */
  private async stageFor(tx: Tx, pipelineId: string | null, stageId: string | null, userId: string): Promise<StageRow> {
    if (stageId) {
      const stage = await this.pipelines.stageForDeal(tx, stageId);
      if (!stage) throw invalidField('input.stageId', `stage ${stageId} does not exist`);
      if (stage.archived_at) throw invalidField('input.stageId', `stage ${stageId} ("${stage.name}") is archived`);
      if (pipelineId && stage.pipeline_id !== pipelineId) {
        throw invalidField('input.stageId', `stage ${stageId} belongs to pipeline ${stage.pipeline_id}, not to pipeline ${pipelineId}`);
      }
      return stage;
    }
    if (pipelineId && !(await this.pipelines.exists(tx, pipelineId))) throw invalidField('input.pipelineId', `pipeline ${pipelineId} does not exist`);
    return this.pipelines.firstStage(tx, pipelineId ?? (await this.defaultPipeline.idFor(tx, userId)));
  }
}
