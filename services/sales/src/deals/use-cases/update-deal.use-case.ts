import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { zOptDate, zOptId, zOptText, zText } from '../../common/validate';
import { dealAmount, zDealSource } from '../deal-input';
import { assertNotArchived, dealId, lockDeal } from '../deal-guards';
import { emitDealUpdated } from '../deal.events';
import { CompanyReplica } from '@crm/shared-contacts';
import { DealRepository, type DealChanges } from '../deal.repository';
import { type Deal, DealStatus, ForecastCategory, type UpdateDealInput } from '../deal.types';
import { DirectoryReplica } from '@crm/shared-directory';

/** Fields whose columns are NOT NULL: null is refused (naming the field), not sent to Postgres. */
const notNull = <S extends z.ZodType>(s: S) =>
  s.nullish().superRefine((v, ctx) => {
    if (v === null) ctx.addIssue({ code: 'custom', message: 'must not be null (omit it to leave it unchanged)' });
  });

const schema = z.object({
  title: notNull(zText(200)),
  amount: notNull(z.unknown()),
  ownerId: notNull(zText(200)),
  forecastCategory: notNull(z.enum(ForecastCategory, { error: (iss) => `unknown category ${JSON.stringify(iss.input)}` })),
  expectedCloseDate: zOptDate().optional(),
  companyId: zOptId('company id').optional(),
  source: zDealSource.optional(),
  notes: zOptText(10000).optional(),
});

@Injectable()
export class UpdateDeal {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly deals: DealRepository,
    private readonly companies: CompanyReplica,
    private readonly directory: DirectoryReplica,
  ) {}

  async execute(ctx: RequestContext, rawId: string, input: UpdateDealInput): Promise<Deal> {
    const given = input as Record<string, unknown>;
    const changed = Object.keys(given).filter((k) => given[k] !== undefined);
    if (!changed.length) throw invalidField('input', 'nothing to update');
    const v = parseInput(schema, input, 'input');
    const amount = input.amount != null ? dealAmount(input.amount, 'input.amount') : undefined;
    const id = dealId(rawId);
    // undefined: not given (unchanged); zod's nullish transforms turn a given null into null.
    const when = <T>(key: keyof UpdateDealInput, value: T) => (given[key] === undefined ? undefined : value);
    const changes: DealChanges = {
      title: when('title', v.title),
      amount: amount?.amount,
      currency: amount?.currency,
      expected_close_date: when('expectedCloseDate', v.expectedCloseDate),
      company_id: when('companyId', v.companyId),
      owner_id: when('ownerId', v.ownerId),
      source: when('source', v.source ? JSON.stringify(v.source) : null),
      forecast_category: when('forecastCategory', v.forecastCategory),
      notes: when('notes', v.notes),
    };
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await lockDeal(this.deals, tx, id);
      assertNotArchived(d, 'updated');
      await this.directory.requireOwners(tx, ctx.userId, [{ field: 'input.ownerId', ownerId: changes.owner_id as string | null | undefined }]);
      // A merged-away company is stored as its survivor.
      if (typeof changes.company_id === 'string') changes.company_id = (await this.companies.require(tx, changes.company_id, 'input.companyId')).companyId;
      if (amount && d.status !== DealStatus.OPEN) throw invalidField('input.amount', `deal ${d.id} is ${d.status}; its amount can no longer change`);
      const deal = await this.deals.update(tx, d.id, changes);
      if (!deal) throw invalidField('input', 'nothing to update');
      await emitDealUpdated(tx, deal, changed, ctx.userId);
      return deal;
    });
  }
}
