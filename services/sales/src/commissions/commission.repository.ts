import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { CommissionBasis, CommissionKind } from './commission.types';

export interface CommissionRuleRow {
  [column: string]: unknown;
  id: string;
  name: string;
  owner_id: string | null;
  product_id: string | null;
  applies_to: CommissionBasis;
  kind: CommissionKind;
  rate: string | null;
  fixed_amount: string | null;
  /** char(3) trimmed; null: any currency (a percentage rule without tiers). */
  fixed_currency: string | null;
  tiers: { from: string; rate: string }[];
  active: boolean;
}

export interface CommissionEntryRow {
  [column: string]: unknown;
  id: string;
  rule_id: string;
  owner_id: string;
  source_kind: 'deal' | 'order';
  source_id: string;
  line_id: string | null;
  period: string;
  currency: string;
  basis: string;
  commission: string;
  earned_at: Date;
  reversal_of: string | null;
}

const RULE_COLUMNS = `id, name, owner_id, product_id, applies_to, kind, rate::text AS rate, fixed_amount::text AS fixed_amount, btrim(fixed_currency) AS fixed_currency, tiers, active`;
const ENTRY_COLUMNS = `id, rule_id, owner_id, source_kind, source_id, line_id, period, btrim(currency) AS currency, basis::text AS basis, commission::text AS commission, earned_at, reversal_of`;

@Injectable()
export class CommissionRepository {
  insertRule(
    tx: Tx,
    r: { id: string; name: string; ownerId: string | null; productId: string | null; appliesTo: CommissionBasis; kind: CommissionKind; rate: string | null; fixedAmount: string | null; currency: string | null; tiers: { from: string; rate: string }[]; createdBy: string },
  ): Promise<CommissionRuleRow> {
    return tx.one<CommissionRuleRow>(
      `INSERT INTO commission_rules (id, tenant_id, name, owner_id, product_id, applies_to, kind, rate, fixed_amount, fixed_currency, tiers, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${RULE_COLUMNS}`,
      [r.id, tx.tenantId, r.name, r.ownerId, r.productId, r.appliesTo, r.kind, r.rate, r.fixedAmount, r.currency, JSON.stringify(r.tiers), r.createdBy],
    );
  }

  rules(tx: Tx): Promise<CommissionRuleRow[]> {
    return tx.query<CommissionRuleRow>(`SELECT ${RULE_COLUMNS} FROM commission_rules WHERE tenant_id = $1 ORDER BY created_at, id`, [tx.tenantId]);
  }

  /** The active rules of a basis that can apply to an amount in `currency`. */
  activeRules(tx: Tx, basis: CommissionBasis, currency: string): Promise<CommissionRuleRow[]> {
    return tx.query<CommissionRuleRow>(
      `SELECT ${RULE_COLUMNS} FROM commission_rules WHERE tenant_id = $1 AND active AND applies_to = $2 AND (fixed_currency IS NULL OR fixed_currency = $3)`,
      [tx.tenantId, basis, currency],
    );
  }

  /** Tiers depend on what the owner earned before in the period: serialise per owner. */
  async lockOwner(tx: Tx, ownerId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`sales.commission:${tx.tenantId}:${ownerId}`]);
  }

  /** The basis the owner accumulated under a rule in a period (a decimal string). */
  async basisSoFar(tx: Tx, ruleId: string, ownerId: string, period: string, currency: string): Promise<string> {
    const { s } = await tx.one<{ s: string }>(
      `SELECT coalesce(sum(basis), 0)::text AS s FROM commission_entries WHERE tenant_id = $1 AND rule_id = $2 AND owner_id = $3 AND period = $4 AND currency = $5`,
      [tx.tenantId, ruleId, ownerId, period, currency],
    );
    return s;
  }

  /** One entry per deal, per order line, or per order (line null); a repeat is ignored (the unique index on the source). */
  async insertEntry(
    tx: Tx,
    e: { id: string; ruleId: string; ownerId: string; sourceKind: 'deal' | 'order'; sourceId: string; lineId: string | null; period: string; currency: string; basis: string; commission: string; earnedAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO commission_entries (id, tenant_id, rule_id, owner_id, source_kind, source_id, line_id, period, currency, basis, commission, earned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
      [e.id, tx.tenantId, e.ruleId, e.ownerId, e.sourceKind, e.sourceId, e.lineId, e.period, e.currency, e.basis, e.commission, e.earnedAt],
    );
  }

  /** The entries a source earned that are not reversed yet, locked (a reopen reverses each once). */
  unreversedOf(tx: Tx, sourceKind: 'deal' | 'order', sourceId: string): Promise<CommissionEntryRow[]> {
    return tx.query<CommissionEntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM commission_entries WHERE tenant_id = $1 AND source_kind = $2 AND source_id = $3 AND reversal_of IS NULL AND reversed_at IS NULL
       ORDER BY earned_at, id FOR UPDATE`,
      [tx.tenantId, sourceKind, sourceId],
    );
  }

  /**
   * Books the negative of `e` as a new entry (in the period of `at`) and marks `e` reversed; the
   * original stays in the ledger. Returns the reversal entry.
   */
  async reverse(tx: Tx, e: CommissionEntryRow, reversalId: string, at: Date, period: string): Promise<CommissionEntryRow> {
    await tx.query(`UPDATE commission_entries SET reversed_at = $3 WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, e.id, at]);
    return tx.one<CommissionEntryRow>(
      `INSERT INTO commission_entries (id, tenant_id, rule_id, owner_id, source_kind, source_id, line_id, period, currency, basis, commission, earned_at, reversal_of)
       SELECT $3, tenant_id, rule_id, owner_id, source_kind, source_id, line_id, $4, currency, -basis, -commission, $5, id
       FROM commission_entries WHERE tenant_id = $1 AND id = $2
       RETURNING ${ENTRY_COLUMNS}`,
      [tx.tenantId, e.id, reversalId, period, at],
    );
  }

  /** Entries earned in [from, to] (dates, inclusive), of one owner or (null) everyone. */
  entries(tx: Tx, ownerId: string | null, from: string, to: string): Promise<CommissionEntryRow[]> {
    return tx.query<CommissionEntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM commission_entries WHERE tenant_id = $1 AND ($2::text IS NULL OR owner_id = $2)
         AND earned_at >= $3::date AND earned_at < ($4::date + 1) ORDER BY owner_id, currency, earned_at, id`,
      [tx.tenantId, ownerId, from, to],
    );
  }
}
