import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DealCreatedV1, DealLostV1, DealStageChangedV1, DealUpdatedV1, DealWonV1 } from '@crm/events';
import { badUserInput, conflict, EventPublisher, forbidden, hasPermission, isUuid, notFound, UnitOfWork, withTenant, type RequestContext, updated, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { optionalDate } from '../common/graphql';
import { currencyOf, formatMinor, fromDb, money, toMinor } from '../common/money';
import { optionalId, optionalText, requireId, requireText } from '../common/validate';
import { CommissionsService } from '../commissions/commissions.service';
import { PipelinesService } from '../pipelines/pipelines.service';
import { SalesPermission } from '../permissions';
import { type CreateDealInput, type Deal, type DealFilter, type DealSource, type DealSourceInput, DealStatus, ForecastCategory, type StageChange, type UpdateDealInput } from './deal.types';

export const DEAL_COLUMNS = `*, expected_close_date::text AS ecd`;

/** A deals row as selected with DEAL_COLUMNS. */
export interface DealRow {
  [column: string]: unknown;
  id: string; title: string; contact_id: string; company_id: string | null; owner_id: string; amount: string; currency: string;
  pipeline_id: string; stage_id: string; status: DealStatus; lost_reason: string | null; ecd: string | null; forecast_category: ForecastCategory;
  source: DealSource | null; notes: string | null; closed_at: Date | null; version: number; created_by: string; created_at: Date; updated_at: Date;
}

export function toDeal(r: DealRow): Deal {
  return {
    id: r.id,
    title: r.title,
    contactId: r.contact_id,
    companyId: r.company_id,
    ownerId: r.owner_id,
    amount: money(fromDb(r.amount, r.currency.trim()), r.currency.trim()),
    pipelineId: r.pipeline_id,
    stageId: r.stage_id,
    status: r.status,
    lostReason: r.lost_reason,
    expectedCloseDate: r.ecd ?? null,
    forecastCategory: r.forecast_category,
    source: r.source,
    notes: r.notes,
    closedAt: r.closed_at,
    version: r.version,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const SOURCE_KEYS = ['leadSource', 'source', 'medium', 'campaign', 'term', 'content', 'keyword'] as const;

export function parseSource(input: DealSourceInput | null | undefined, field: string): DealSource | null {
  if (!input) return null;
  const out = Object.fromEntries(SOURCE_KEYS.map((k) => [k, optionalText(input[k], `${field}.${k}`, 200)])) as unknown as DealSource;
  return SOURCE_KEYS.some((k) => out[k] !== null) ? out : null;
}

/** updateDeal fields whose columns are NOT NULL: null is refused (naming the field), not sent to Postgres. */
const NON_NULLABLE_UPDATES = ['title', 'amount', 'ownerId', 'forecastCategory'] as const;

function eventAmount(d: Deal) {
  return { amount: d.amount.amount, currency: d.amount.currency };
}

/** Deal use cases. Every change writes its event to the outbox in the same transaction. */
@Injectable()
export class DealsService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    private readonly uow: UnitOfWork,
    private readonly replica: ContactReplica,
    private readonly pipelines: PipelinesService,
    private readonly commissions: CommissionsService,
  ) {}

  /** The contact (following merges to the survivor) or BAD_USER_INPUT naming the field. */
  async requireContact(m: EntityManager, tenantId: string, contactId: string, field: string): Promise<string> {
    const c = await this.replica.get(m, tenantId, contactId);
    if (!c) throw badUserInput(`${field}: contact ${contactId} does not exist (unknown to sales: not created, or not yet replicated)`, { field });
    if (c.erasedAt) throw badUserInput(`${field}: contact ${contactId} was erased`, { field });
    return c.contactId;
  }

  async create(ctx: RequestContext, input: CreateDealInput): Promise<Deal> {
    const title = requireText(input.title, 'input.title', 200);
    const contactIdIn = requireId(input.contactId, 'input.contactId', 'contact id');
    if (!input.amount) throw badUserInput('input.amount: required', { field: 'input.amount' });
    const currency = currencyOf(input.amount.currency, 'input.amount.currency');
    const amount = toMinor(input.amount.amount, currency, 'input.amount.amount');
    const pipelineIdIn = optionalId(input.pipelineId, 'input.pipelineId', 'pipeline id');
    const stageIdIn = optionalId(input.stageId, 'input.stageId', 'stage id');
    const companyId = optionalId(input.companyId, 'input.companyId', 'company id');
    const ownerId = optionalText(input.ownerId, 'input.ownerId', 200) ?? ctx.userId;
    const source = parseSource(input.source, 'input.source');
    const notes = optionalText(input.notes, 'input.notes', 10000);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const contactId = await this.requireContact(m, ctx.tenantId, contactIdIn, 'input.contactId');
      let stage: any;
      if (stageIdIn) {
        [stage] = await m.query(`SELECT * FROM stages WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, stageIdIn]);
        if (!stage) throw badUserInput(`input.stageId: stage ${stageIdIn} does not exist`, { field: 'input.stageId' });
        if (pipelineIdIn && stage.pipeline_id !== pipelineIdIn) {
          throw badUserInput(`input.stageId: stage ${stageIdIn} belongs to pipeline ${stage.pipeline_id}, not to pipeline ${pipelineIdIn}`, { field: 'input.stageId' });
        }
      } else {
        let pipelineId = pipelineIdIn;
        if (pipelineId) {
          const [p] = await m.query(`SELECT id FROM pipelines WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, pipelineId]);
          if (!p) throw badUserInput(`input.pipelineId: pipeline ${pipelineId} does not exist`, { field: 'input.pipelineId' });
        } else {
          pipelineId = await this.pipelines.ensureDefault(m, ctx.tenantId, ctx.userId);
        }
        [stage] = await m.query(`SELECT * FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY position LIMIT 1`, [ctx.tenantId, pipelineId]);
      }
      const id = randomUUID();
      const [row] = await m.query(
        `INSERT INTO deals (id, tenant_id, title, contact_id, company_id, owner_id, pipeline_id, stage_id, amount, currency, expected_close_date, source, forecast_category, notes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${DEAL_COLUMNS}`,
        [
          id, ctx.tenantId, title, contactId, companyId, ownerId, stage.pipeline_id, stage.id, formatMinor(amount, currency), currency,
          optionalDate(input.expectedCloseDate, 'input.expectedCloseDate'), source ? JSON.stringify(source) : null, input.forecastCategory ?? ForecastCategory.PIPELINE, notes, ctx.userId,
        ],
      );
      await m.query(`INSERT INTO deal_stage_history (tenant_id, deal_id, pipeline_id, from_stage_id, to_stage_id, moved_by) VALUES ($1, $2, $3, NULL, $4, $5)`, [
        ctx.tenantId, id, stage.pipeline_id, stage.id, ctx.userId,
      ]);
      const deal = toDeal(row);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: DealCreatedV1.type,
          subject: id,
          data: {
            dealId: id, title, contactId, companyId, ownerId, pipelineId: deal.pipelineId, stageId: deal.stageId, amount: eventAmount(deal),
            expectedCloseDate: deal.expectedCloseDate, source, createdBy: ctx.userId,
          },
        },
      ]);
      return deal;
    });
  }

  private async lock(m: EntityManager, tenantId: string, rawId: string, field = 'id'): Promise<Deal> {
    const id = requireId(rawId, field, 'deal id');
    const [row] = await m.query(`SELECT ${DEAL_COLUMNS} FROM deals WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
    if (!row) throw notFound(`deal ${id} does not exist`);
    return toDeal(row);
  }

  private assertOpen(d: Deal, action: string) {
    if (d.status !== DealStatus.OPEN) throw conflict(`deal ${d.id} is already ${d.status}; it cannot be ${action}`, { dealId: d.id, status: d.status });
  }

  async update(ctx: RequestContext, rawId: string, input: UpdateDealInput): Promise<Deal> {
    const given = input as Record<string, unknown>;
    const changed = Object.keys(given).filter((k) => given[k] !== undefined);
    if (!changed.length) throw badUserInput('input: nothing to update', { field: 'input' });
    // GraphQL lets a client send null for any optional input field; these columns have no "unset".
    for (const k of NON_NULLABLE_UPDATES) {
      if (given[k] === null) throw badUserInput(`input.${k}: must not be null (omit it to leave it unchanged)`, { field: `input.${k}` });
    }
    if (input.forecastCategory !== undefined && !Object.values(ForecastCategory).includes(input.forecastCategory)) {
      throw badUserInput(`input.forecastCategory: unknown category ${JSON.stringify(input.forecastCategory)}`, { field: 'input.forecastCategory' });
    }
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const d = await this.lock(m, ctx.tenantId, rawId);
      const sets: string[] = [];
      const params: unknown[] = [ctx.tenantId, d.id];
      const set = (col: string, v: unknown) => {
        params.push(v);
        sets.push(`${col} = $${params.length}`);
      };
      if (input.title !== undefined) set('title', requireText(input.title, 'input.title', 200));
      if (input.amount !== undefined) {
        if (d.status !== DealStatus.OPEN) throw badUserInput(`input.amount: deal ${d.id} is ${d.status}; its amount can no longer change`, { field: 'input.amount' });
        const currency = currencyOf(input.amount.currency, 'input.amount.currency');
        set('amount', formatMinor(toMinor(input.amount.amount, currency, 'input.amount.amount'), currency));
        set('currency', currency);
      }
      if (input.expectedCloseDate !== undefined) set('expected_close_date', optionalDate(input.expectedCloseDate, 'input.expectedCloseDate'));
      if (input.companyId !== undefined) set('company_id', optionalId(input.companyId, 'input.companyId', 'company id'));
      if (input.ownerId !== undefined) set('owner_id', requireText(input.ownerId, 'input.ownerId', 200));
      if (input.source !== undefined) {
        const source = parseSource(input.source, 'input.source');
        set('source', source ? JSON.stringify(source) : null);
      }
      if (input.forecastCategory !== undefined) set('forecast_category', input.forecastCategory);
      if (input.notes !== undefined) set('notes', optionalText(input.notes, 'input.notes', 10000));
      if (!sets.length) throw badUserInput('input: nothing to update', { field: 'input' });
      const [row] = await updated(m,
        `UPDATE deals SET ${sets.join(', ')}, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        params,
      );
      const deal = toDeal(row);
      await this.events.emit(m, ctx.tenantId, [
        {
          type: DealUpdatedV1.type,
          subject: deal.id,
          data: {
            dealId: deal.id, title: deal.title, contactId: deal.contactId, companyId: deal.companyId, ownerId: deal.ownerId, amount: eventAmount(deal),
            expectedCloseDate: deal.expectedCloseDate, forecastCategory: deal.forecastCategory, source: deal.source, version: deal.version, changed, updatedBy: ctx.userId,
          },
        },
      ]);
      return deal;
    });
  }

  async move(ctx: RequestContext, rawId: string, rawStageId: string): Promise<Deal> {
    const stageId = requireId(rawStageId, 'stageId', 'stage id');
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const d = await this.lock(m, ctx.tenantId, rawId);
      this.assertOpen(d, 'moved');
      const [stage] = await m.query(`SELECT * FROM stages WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, stageId]);
      if (!stage) throw badUserInput(`stageId: stage ${stageId} does not exist`, { field: 'stageId' });
      if (stage.pipeline_id !== d.pipelineId) {
        throw badUserInput(`stageId: stage ${stageId} belongs to pipeline ${stage.pipeline_id}; deal ${d.id} is in pipeline ${d.pipelineId}`, { field: 'stageId' });
      }
      if (stage.id === d.stageId) return d;
      const [h] = await m.query(
        `INSERT INTO deal_stage_history (tenant_id, deal_id, pipeline_id, from_stage_id, to_stage_id, moved_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING moved_at`,
        [ctx.tenantId, d.id, d.pipelineId, d.stageId, stage.id, ctx.userId],
      );
      const [row] = await updated(m,
        `UPDATE deals SET stage_id = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        [ctx.tenantId, d.id, stage.id],
      );
      await this.events.emit(m, ctx.tenantId, [
        {
          type: DealStageChangedV1.type,
          subject: d.id,
          data: {
            dealId: d.id, contactId: d.contactId, pipelineId: d.pipelineId, fromStageId: d.stageId, toStageId: stage.id, toStageName: stage.name,
            probability: stage.probability, movedBy: ctx.userId, movedAt: new Date(h.moved_at).toISOString(),
          },
        },
      ]);
      return toDeal(row);
    });
  }

  /** A rep closes only deals they own; closing anyone's needs sales.deal.close-any. */
  private assertMayClose(ctx: RequestContext, d: Deal): void {
    if (d.ownerId !== ctx.userId && !hasPermission(ctx, SalesPermission['deal.close-any'])) {
      throw forbidden(`deal ${d.id} is owned by ${d.ownerId}: closing another owner's deal needs the permission sales.deal.close-any`);
    }
  }

  async win(ctx: RequestContext, rawId: string): Promise<Deal> {
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await this.lock(tx.manager, ctx.tenantId, rawId);
      this.assertMayClose(ctx, d);
      this.assertOpen(d, 'won');
      const deal = toDeal(
        await tx.one<DealRow>(
          `UPDATE deals SET status = 'won', closed_at = now(), lost_reason = NULL, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
          [ctx.tenantId, d.id],
        ),
      );
      await this.commissions.onDealWon(tx, deal);
      await tx.emit(DealWonV1, d.id, {
        dealId: d.id, title: deal.title, contactId: deal.contactId, ownerId: deal.ownerId, pipelineId: deal.pipelineId, stageId: deal.stageId,
        amount: eventAmount(deal), source: deal.source, wonAt: new Date(deal.closedAt!).toISOString(), wonBy: ctx.userId,
      });
      return deal;
    });
  }

  async lose(ctx: RequestContext, rawId: string, rawReason: string): Promise<Deal> {
    const reason = requireText(rawReason, 'reason', 500);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const d = await this.lock(tx.manager, ctx.tenantId, rawId);
      this.assertMayClose(ctx, d);
      this.assertOpen(d, 'lost');
      const deal = toDeal(
        await tx.one<DealRow>(
          `UPDATE deals SET status = 'lost', closed_at = now(), lost_reason = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
          [ctx.tenantId, d.id, reason],
        ),
      );
      await tx.emit(DealLostV1, d.id, {
        dealId: d.id, title: deal.title, contactId: deal.contactId, ownerId: deal.ownerId, pipelineId: deal.pipelineId, stageId: deal.stageId,
        amount: eventAmount(deal), reason, lostAt: new Date(deal.closedAt!).toISOString(), lostBy: ctx.userId,
      });
      return deal;
    });
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<(Deal | null)[]> {
    const valid = [...new Set(ids.map((i) => i.toLowerCase()).filter(isUuid))];
    const rows = valid.length ? await withTenant(this.ds, tenantId, (m) => m.query(`SELECT ${DEAL_COLUMNS} FROM deals WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, valid])) : [];
    const byId = new Map<string, Deal>(rows.map((r: any) => [r.id, toDeal(r)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /**
   * One page of deals of each of many contacts in one query (Contact.deals through federation, batched):
   * the newest `first` per contact; counted per contact only when totalCount is selected.
   */
  async byContacts(tenantId: string, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>[]> {
    const page = keysetPage(DEAL_ORDER, args);
    const ids = [...new Set(contactIds)];
    const params: unknown[] = [tenantId, ids];
    const p = (v: unknown) => `$${params.push(v)}`;
    const sql = page.perParentSql({ columns: DEAL_COLUMNS, from: 'deals', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[])', partitionBy: 'contact_id' }, p);
    const { rows, counts } = await withTenant(this.ds, tenantId, async (m) => ({
      rows: (await m.query(sql, params)) as (DealRow & KeysetRow)[],
      counts: withTotal ? ((await m.query(`SELECT contact_id, count(*)::int AS n FROM deals WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) GROUP BY contact_id`, [tenantId, ids])) as { contact_id: string; n: number }[]) : [],
    }));
    return Promise.all(
      contactIds.map((c) =>
        page.connection(
          rows.filter((r) => r.contact_id === c),
          (r) => r.map(toDeal),
          withTotal ? (counts.find((k) => k.contact_id === c)?.n ?? 0) : null,
        ),
      ),
    );
  }

  async historyOf(tenantId: string, dealIds: readonly string[]): Promise<StageChange[][]> {
    const rows = await withTenant(this.ds, tenantId, (m) =>
      m.query(`SELECT * FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [tenantId, [...new Set(dealIds)]]),
    );
    return dealIds.map((d) =>
      rows.filter((r: any) => r.deal_id === d).map((r: any) => ({ fromStageId: r.from_stage_id, toStageId: r.to_stage_id, movedBy: r.moved_by, movedAt: r.moved_at })),
    );
  }

  async list(ctx: RequestContext, filter: DealFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>> {
    const page = keysetPage(DEAL_ORDER, args);
    const where = ['tenant_id = $1'];
    const params: unknown[] = [ctx.tenantId];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.status) where.push(`status = ${p(filter.status)}`);
    if (filter.ownerId) where.push(`owner_id = ${p(filter.ownerId)}`);
    if (filter.pipelineId) where.push(`pipeline_id = ${p(requireId(filter.pipelineId, 'filter.pipelineId', 'pipeline id'))}`);
    if (filter.stageId) where.push(`stage_id = ${p(requireId(filter.stageId, 'filter.stageId', 'stage id'))}`);
    if (filter.contactId) where.push(`contact_id = ${p(requireId(filter.contactId, 'filter.contactId', 'contact id'))}`);
    const countSql = `SELECT count(*)::int AS n FROM deals WHERE ${where.join(' AND ')}`;
    const countParams = [...params];
    const after = page.afterSql(p);
    if (after) where.push(after);
    const sql = `SELECT ${DEAL_COLUMNS}, ${page.sortKey} AS sort_key FROM deals WHERE ${where.join(' AND ')} ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`;
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const rows: (DealRow & KeysetRow)[] = await m.query(sql, params);
      const n: number | null = withTotal ? (await m.query(countSql, countParams))[0].n : null;
      return page.connection(rows, (r) => r.map(toDeal), n);
    });
  }
}

/** Deals newest first (Query.deals and Contact.deals). */
const DEAL_ORDER: KeysetOrder = { name: 'deals', key: 'created_at', dir: 'DESC', timestamp: true };
