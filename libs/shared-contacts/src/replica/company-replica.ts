import type { CompanyMergedV1, CompanyUpsertedV1, EventData } from '@crm/events';
import { invalidField, isUuid, type Tx } from '@crm/platform';

/** A company as a module's replica holds it (the survivor, when the id asked for was merged away). */
export interface ReplicaCompany {
  companyId: string;
  name: string | null;
  domains: string[];
}

/** Longest chain of merges followed (a merged into b merged into c …). */
const MAX_MERGE_HOPS = 10;

/**
 * A module's projection of companies, fed by the contacts topic through ContactReplicaEvents (the
 * same consumer, so a company merge and the contact.updated events it causes stay in order).
 * Out-of-order safe: a snapshot applies only if newer, and a merged-away company stays merged.
 */
export class CompanyReplica {
  /** Upserts a snapshot if it is newer than the stored one. */
  async applySnapshot(tx: Tx, d: Pick<EventData<typeof CompanyUpsertedV1>, 'companyId' | 'name' | 'domains' | 'version'>): Promise<void> {
    // Prepared: run for each company event (and each contact import creating companies).
    await tx.prepared(
      `INSERT INTO company_replica (tenant_id, company_id, version, name, domains) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, company_id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, domains = EXCLUDED.domains, updated_at = now()
       WHERE company_replica.version < EXCLUDED.version`,
      [tx.tenantId, d.companyId, d.version, d.name, d.domains],
    );
  }

  /** The survivor's snapshot, the duplicate pointed at it, and earlier merges into the duplicate re-pointed. */
  async applyMerge(tx: Tx, d: EventData<typeof CompanyMergedV1>): Promise<void> {
    await this.applySnapshot(tx, d.survivor);
    if (d.duplicateId === d.survivorId) return;
    await tx.query(
      `INSERT INTO company_replica (tenant_id, company_id, version, merged_into) VALUES ($1, $2, 0, $3)
       ON CONFLICT (tenant_id, company_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, updated_at = now()`,
      [tx.tenantId, d.duplicateId, d.survivorId],
    );
    await tx.query(`UPDATE company_replica SET merged_into = $3, updated_at = now() WHERE tenant_id = $1 AND merged_into = $2`, [tx.tenantId, d.duplicateId, d.survivorId]);
  }

  /** The company, following merges to the survivor, or null when this module has not seen it. */
  async get(tx: Tx, companyId: string): Promise<ReplicaCompany | null> {
    if (!isUuid(companyId)) return null;
    const r = await tx.maybeOne<{ company_id: string; name: string | null; domains: string[] }>(
      `WITH RECURSIVE chain (company_id, merged_into, hops) AS (
         SELECT company_id, merged_into, 0 FROM company_replica WHERE tenant_id = $1 AND company_id = $2
         UNION ALL
         SELECT r.company_id, r.merged_into, c.hops + 1 FROM chain c JOIN company_replica r ON r.tenant_id = $1 AND r.company_id = c.merged_into
         WHERE c.hops < ${MAX_MERGE_HOPS})
       SELECT r.company_id, r.name, r.domains FROM chain c JOIN company_replica r ON r.tenant_id = $1 AND r.company_id = c.company_id
       WHERE r.version > 0 ORDER BY c.hops DESC LIMIT 1`,
      [tx.tenantId, companyId.toLowerCase()],
    );
    return r ? { companyId: r.company_id, name: r.name, domains: r.domains } : null;
  }

  /**
   * The rule for a company id inside an input (as ContactReplica.requireActive is for contacts): the
   * company, following merges to the survivor (whose id the caller should store), else
   * BAD_USER_INPUT naming `field`.
   */
  async require(tx: Tx, companyId: string, field: string): Promise<ReplicaCompany> {
    const c = await this.get(tx, companyId);
    if (!c) throw invalidField(field, `company ${companyId} does not exist (not created, or not yet known to this module)`);
    return c;
  }
}
