import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';

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
}
