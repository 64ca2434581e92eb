import { Injectable } from '@nestjs/common';
import { keysetPage, SqlParams, type ConnectionValue, type KeysetArgs, type KeysetOrder, type KeysetRow, type Tx } from '@crm/platform';
import { fromDb, money } from '@crm/shared-kernel';
import { type Deal, type DealSource, DealStatus, type ForecastCategory, type StageChange } from './deal.types';
import { teamMemberSql } from '@crm/shared-directory';

// Named, not `*`: statements that read them are prepared (Tx.prepared), and a column a migration adds
// must not change a prepared statement's result type.
export const DEAL_COLUMNS = `id, title, contact_id, company_id, owner_id, amount, currency, pipeline_id, stage_id, status, lost_reason,
  expected_close_date::text AS ecd, forecast_category, source, notes, closed_at, version, created_by, created_at, updated_at, archived_at`;

/** A deals row as selected with DEAL_COLUMNS. */
export interface DealRow {
  [column: string]: unknown;
  id: string; title: string; contact_id: string; company_id: string | null; owner_id: string; amount: string; currency: string;
  pipeline_id: string; stage_id: string; status: DealStatus; lost_reason: string | null; ecd: string | null; forecast_category: ForecastCategory;
  source: DealSource | null; notes: string | null; closed_at: Date | null; version: number; created_by: string; created_at: Date; updated_at: Date;
  archived_at: Date | null;
}

interface StageHistoryRow {
  [column: string]: unknown;
  deal_id: string; from_stage_id: string | null; to_stage_id: string; moved_by: string; moved_at: Date;
}

export function toDeal(r: DealRow): Deal {
  const currency = r.currency.trim();
  return {
    id: r.id, title: r.title, contactId: r.contact_id, companyId: r.company_id, ownerId: r.owner_id,
    amount: money(fromDb(r.amount, currency), currency), pipelineId: r.pipeline_id, stageId: r.stage_id, status: r.status,
    lostReason: r.lost_reason, expectedCloseDate: r.ecd ?? null, forecastCategory: r.forecast_category, source: r.source,
    notes: r.notes, closedAt: r.closed_at, version: r.version, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
    archivedAt: r.archived_at ?? null,
  };
}

export interface NewDeal {
  id: string; title: string; contactId: string; companyId: string | null; ownerId: string; pipelineId: string; stageId: string;
  /** As stored (decimal text). */
  amount: string; currency: string; expectedCloseDate: string | null; source: DealSource | null; forecastCategory: ForecastCategory;
  notes: string | null; createdBy: string;
}

/** Column → new value; undefined: unchanged. */
export type DealChanges = Partial<Record<'title' | 'amount' | 'currency' | 'expected_close_date' | 'company_id' | 'owner_id' | 'source' | 'forecast_category' | 'notes', unknown>>;

export interface DealListFilter {
  status?: DealStatus | null; ownerId?: string | null; teamId?: string | null; pipelineId?: string | null; stageId?: string | null; contactId?: string | null;
  /** true: only archived deals; otherwise only deals not archived. */
  archived?: boolean | null;
}

/**
 * The deals a filter selects (the list's and the CSV export's), columns prefixed with `alias` when the
 * statement joins other tables. Archived deals: only with `archived: true`, except where
 * `archivedByDefault` (the export, which writes every deal unless told otherwise) and no `archived` is given.
 */
export function dealFilterSql(q: SqlParams, f: DealListFilter, alias = '', archivedByDefault = false): string {
  const c = (column: string) => `${alias}${column}`;
  return q.where([
    `${c('tenant_id')} = $1`,
    f.archived ? `${c('archived_at')} IS NOT NULL` : f.archived === false || !archivedByDefault ? `${c('archived_at')} IS NULL` : null,
    f.status && `${c('status')} = ${q.p(f.status)}`,
    f.ownerId && `${c('owner_id')} = ${q.p(f.ownerId)}`,
    f.teamId && teamMemberSql(q, c('owner_id'), f.teamId),
    f.pipelineId && `${c('pipeline_id')} = ${q.p(f.pipelineId)}`,
    f.stageId && `${c('stage_id')} = ${q.p(f.stageId)}`,
    f.contactId && `${c('contact_id')} = ${q.p(f.contactId)}`,
  ]);
}

/** Deals newest first (Query.deals and Contact.deals). */
const DEAL_ORDER: KeysetOrder = { name: 'deals', key: 'created_at', dir: 'DESC', timestamp: true };

/** Deals and their stage history. */
@Injectable()
export class DealRepository {
  insert(tx: Tx, d: NewDeal): Promise<DealRow> {
    return tx.one<DealRow>(
      `INSERT INTO deals (id, tenant_id, title, contact_id, company_id, owner_id, pipeline_id, stage_id, amount, currency, expected_close_date, source, forecast_category, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${DEAL_COLUMNS}`,
      [
        d.id, tx.tenantId, d.title, d.contactId, d.companyId, d.ownerId, d.pipelineId, d.stageId, d.amount, d.currency,
        d.expectedCloseDate, d.source ? JSON.stringify(d.source) : null, d.forecastCategory, d.notes, d.createdBy,
      ],
    );
  }

  /** Records a move (from null: the creation); returns when it happened. */
  async recordStage(tx: Tx, m: { dealId: string; pipelineId: string; fromStageId: string | null; toStageId: string; movedBy: string }): Promise<Date> {
    const r = await tx.one<{ moved_at: Date }>(
      `INSERT INTO deal_stage_history (tenant_id, deal_id, pipeline_id, from_stage_id, to_stage_id, moved_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING moved_at`,
      [tx.tenantId, m.dealId, m.pipelineId, m.fromStageId, m.toStageId, m.movedBy],
    );
    return new Date(r.moved_at);
  }

  /** The deal locked for change (FOR UPDATE), or undefined. */
  async lock(tx: Tx, id: string): Promise<Deal | undefined> {
    const row = await tx.maybeOne<DealRow>(`SELECT ${DEAL_COLUMNS} FROM deals WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
    return row && toDeal(row);
  }

  /** Applies the changes (undefined entries left out) and bumps the version; undefined if nothing changes. */
  async update(tx: Tx, id: string, changes: DealChanges): Promise<Deal | undefined> {
    const q = new SqlParams(tx.tenantId, id);
    const sets = q.set(changes);
    if (!sets) return undefined;
    return toDeal(await tx.one<DealRow>(`UPDATE deals SET ${sets}, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`, q.values));
  }

  async setStage(tx: Tx, id: string, stageId: string): Promise<Deal> {
    return toDeal(
      await tx.one<DealRow>(`UPDATE deals SET stage_id = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`, [tx.tenantId, id, stageId]),
    );
  }

  /** Won, closed at `at` (default: now; a deal imported from another CRM's history: when it was won there). */
  async markWon(tx: Tx, id: string, at?: Date): Promise<Deal> {
    return toDeal(
      await tx.one<DealRow>(
        `UPDATE deals SET status = 'won', closed_at = coalesce($3::timestamptz, now()), lost_reason = NULL, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        [tx.tenantId, id, at ?? null],
      ),
    );
  }

  /** Lost, closed at `at` (default: now), as markWon. */
  async markLost(tx: Tx, id: string, reason: string, at?: Date): Promise<Deal> {
    return toDeal(
      await tx.one<DealRow>(
        `UPDATE deals SET status = 'lost', closed_at = coalesce($4::timestamptz, now()), lost_reason = $3, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        [tx.tenantId, id, reason, at ?? null],
      ),
    );
  }

  /** Open again, in `stageId` (its own, or the first active one if its own was archived). */
  async markReopened(tx: Tx, id: string, stageId: string): Promise<Deal> {
    return toDeal(
      await tx.one<DealRow>(
        `UPDATE deals SET status = 'open', closed_at = NULL, lost_reason = NULL, stage_id = $3, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        [tx.tenantId, id, stageId],
      ),
    );
  }

  /** Archives (by: the user) or, with by null, restores. */
  async setArchived(tx: Tx, id: string, by: string | null): Promise<Deal> {
    return toDeal(
      await tx.one<DealRow>(
        `UPDATE deals SET archived_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END, archived_by = $3, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${DEAL_COLUMNS}`,
        [tx.tenantId, id, by],
      ),
    );
  }

  /** The deal's contact, if the deal exists (tasks on a deal). */
  async contactOf(tx: Tx, id: string): Promise<{ contactId: string } | undefined> {
    const r = await tx.maybeOne<{ contact_id: string }>(`SELECT contact_id FROM deals WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
    return r && { contactId: r.contact_id };
  }

  /** Valid UUIDs only (check with isUuid first). */
  async byIds(tx: Tx, ids: readonly string[]): Promise<Deal[]> {
    return (await tx.prepared<DealRow>(`SELECT ${DEAL_COLUMNS} FROM deals WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tx.tenantId, [...ids]])).map(toDeal);
  }

  /**
   * One page of deals of each of many contacts in one query (Contact.deals through federation, batched):
   * the newest `first` per contact; counted per contact only when totalCount is selected.
   */
  async pageByContacts(tx: Tx, contactIds: readonly string[], args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>[]> {
    const page = keysetPage(DEAL_ORDER, args);
    return page.perParent<DealRow & KeysetRow, Deal>(
      (sql, values) => tx.prepared(sql, values),
      { columns: DEAL_COLUMNS, from: 'deals', where: 'tenant_id = $1 AND contact_id = ANY($2::uuid[]) AND archived_at IS NULL', partitionBy: 'contact_id' },
      new SqlParams(tx.tenantId, contactIds),
      contactIds,
      (rows) => rows.map(toDeal),
      withTotal,
    );
  }

  async historyOf(tx: Tx, dealIds: readonly string[]): Promise<StageChange[][]> {
    const rows = await tx.query<StageHistoryRow>(`SELECT * FROM deal_stage_history WHERE tenant_id = $1 AND deal_id = ANY($2::uuid[]) ORDER BY moved_at, id`, [tx.tenantId, [...new Set(dealIds)]]);
    return dealIds.map((d) =>
      rows.filter((r) => r.deal_id === d).map((r) => ({ fromStageId: r.from_stage_id, toStageId: r.to_stage_id, movedBy: r.moved_by, movedAt: r.moved_at })),
    );
  }

  /** A page of deals, newest first; ids in the filter must be valid UUIDs. */
  async list(tx: Tx, f: DealListFilter, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Deal>> {
    const page = keysetPage(DEAL_ORDER, args);
    const q = new SqlParams(tx.tenantId);
    const where = dealFilterSql(q, f);
    const countParams = q.snapshot();
    const after = page.afterSql(q.p);
    const rows = await tx.query<DealRow & KeysetRow>(
      `SELECT ${DEAL_COLUMNS}, ${page.sortKey} AS sort_key FROM deals WHERE ${q.where([where, after])} ORDER BY ${page.orderBy} LIMIT ${q.p(page.limit)}`,
      q.values,
    );
    const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM deals WHERE ${where}`, countParams)).n : null;
    return page.connection(rows, (r) => r.map(toDeal), n);
  }
}
