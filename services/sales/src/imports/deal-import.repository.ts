import { Injectable } from '@nestjs/common';
import { SqlParams, type Row, type Tx } from '@crm/platform';
import { dealFilterSql, type DealListFilter } from '../deals/deal.repository';

/** The lookups a deals CSV needs: contacts by email (from the replica), pipelines and stages by name, earlier imports. */
@Injectable()
export class DealImportRepository {
  /** The active replica contact holding this email (primary or not). */
  async contactByEmail(tx: Tx, email: string): Promise<string | undefined> {
    const row = await tx.maybeOne<{ contact_id: string }>(
      `SELECT contact_id FROM contact_replica
        WHERE tenant_id = $1 AND (primary_email = $2 OR emails @> jsonb_build_array(jsonb_build_object('email', $2::text)))
        ORDER BY (primary_email = $2) DESC NULLS LAST LIMIT 1`,
      [tx.tenantId, email.trim().toLowerCase()],
    );
    return row?.contact_id;
  }

  async pipelineByName(tx: Tx, name: string): Promise<string | undefined> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM pipelines WHERE tenant_id = $1 AND lower(name) = lower($2)`, [tx.tenantId, name.trim()]))?.id;
  }

  async stageByName(tx: Tx, pipelineId: string, name: string): Promise<string | undefined> {
    return (await tx.maybeOne<{ id: string }>(`SELECT id FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 AND lower(name) = lower($3)`, [tx.tenantId, pipelineId, name.trim()]))?.id;
  }

  async stageNames(tx: Tx, pipelineId: string): Promise<string[]> {
    return (await tx.query<{ name: string }>(`SELECT name FROM stages WHERE tenant_id = $1 AND pipeline_id = $2 ORDER BY position`, [tx.tenantId, pipelineId])).map((r) => r.name);
  }

  /** A deal with this title for this contact in this pipeline: what a re-run of the same file finds. */
  async exists(tx: Tx, contactId: string, pipelineId: string, title: string): Promise<boolean> {
    return !!(await tx.maybeOne(`SELECT 1 FROM deals WHERE tenant_id = $1 AND contact_id = $2 AND pipeline_id = $3 AND lower(title) = lower($4) LIMIT 1`, [
      tx.tenantId, contactId, pipelineId, title.trim(),
    ]));
  }

  /** A page of the deals export, keyset by id, with the names the import reads back. */
  exportPage(tx: Tx, filter: DealListFilter, afterId: string | null, limit: number): Promise<DealExportRow[]> {
    const q = new SqlParams(tx.tenantId);
    const where = dealFilterSql(q, filter, 'd.', true);
    const after = q.p(afterId);
    return tx.query<DealExportRow>(
      `SELECT d.id, d.title, d.amount::text AS amount, d.currency, r.primary_email AS contact_email, d.contact_id, p.name AS pipeline, s.name AS stage,
              to_char(d.expected_close_date, 'YYYY-MM-DD') AS expected_close_date, d.owner_id, d.notes, d.status,
              to_char(d.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS closed_at, d.lost_reason
         FROM deals d JOIN pipelines p ON p.id = d.pipeline_id JOIN stages s ON s.id = d.stage_id
         LEFT JOIN contact_replica r ON r.tenant_id = d.tenant_id AND r.contact_id = d.contact_id
        WHERE ${where} AND (${after}::uuid IS NULL OR d.id > ${after}::uuid) ORDER BY d.id LIMIT ${q.p(limit)}`,
      q.values,
    );
  }

  async count(tx: Tx, filter: DealListFilter): Promise<number> {
    const q = new SqlParams(tx.tenantId);
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM deals d WHERE ${dealFilterSql(q, filter, 'd.', true)}`, q.values)).n;
  }
}

export interface DealExportRow extends Row {
  id: string;
  title: string;
  amount: string;
  currency: string;
  contact_email: string | null;
  contact_id: string;
  pipeline: string;
  stage: string;
  expected_close_date: string | null;
  owner_id: string;
  notes: string | null;
  status: string;
  /** ISO 8601 UTC to the millisecond, what the import reads back. */
  closed_at: string | null;
  lost_reason: string | null;
}
