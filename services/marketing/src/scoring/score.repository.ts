import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import type { RuleKind, ScoringRuleDef } from './scoring-rules';

export const DEFAULT_MQL_THRESHOLD = 50;
export const DEFAULT_HALF_LIFE_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ScoringSettingsValue {
  mqlThreshold: number;
  halfLifeDays: number;
}

interface RuleRow {
  [column: string]: unknown;
  id: string; name: string; kind: RuleKind; field: string; value: string | null; points: number; created_at: Date; updated_at: Date;
}

export interface StoredRule extends ScoringRuleDef {
  createdAt: Date;
  updatedAt: Date;
}

const toRule = (r: RuleRow): StoredRule => ({ id: r.id, name: r.name, kind: r.kind, field: r.field, value: r.value, points: r.points, createdAt: r.created_at, updatedAt: r.updated_at });

export interface LedgerEntry {
  ruleId: string;
  ruleName: string;
  kind: RuleKind;
  /** Points as of the evaluation time (behaviour points decayed). */
  points: number;
  originalPoints: number;
  reason: string;
  occurredAt: Date;
}

/**
 * A behaviour entry's points at `asOf`: halved for every full half-life since it happened, truncated
 * toward zero (10 → 5 → 2 → 1 → 0), so old behaviour fades out and finally counts nothing.
 * SQL twin of this rule: `decayedSql`.
 */
export function decayed(points: number, occurredAt: Date, asOf: Date, halfLifeDays: number): number {
  const halvings = Math.min(30, Math.floor(Math.max(0, asOf.getTime() - occurredAt.getTime()) / (halfLifeDays * DAY_MS)));
  return Math.trunc(points / 2 ** halvings);
}

/** `decayed` in SQL over score_events (asOf = $asOf, half-life in days = $hl). */
const decayedSql = (asOf: string, hl: string) =>
  `CASE WHEN kind = 'attribute' THEN points ELSE trunc(points / power(2, least(30, floor(greatest(0, extract(epoch FROM (${asOf}::timestamptz - occurred_at))) / (86400 * ${hl})))))::int END`;

/** `Tx.once` keys of what ScoreRepository reads once per transaction. */
const SETTINGS_KEY = 'marketing.scoring-settings';
const RULES_KEY = 'marketing.scoring-rules';

/**
 * The tenant lock (`Tx.lockTenant`) that orders the scoring configuration's writers against its
 * readers: the rules and settings are read under it shared and kept for the transaction (a consumer
 * run of `marketing.lead-scoring` declares it and reads them once); a rule or settings change takes
 * it exclusive first (`lockForWrite`), so it waits for the runs still scoring with what they read —
 * without it, a rule deleted while a run was in flight got its points back from the rest of the run.
 */
export const SCORING_CONFIG_LOCK = 'marketing.scoring-config';

/** The SQL of scoring: rules, the ledger, scores, settings and the decay queue; in the caller's tenant-bound transaction. */
@Injectable()
export class ScoreRepository {
  /** Before a rule or the settings change, as the transaction's first statement (see SCORING_CONFIG_LOCK). */
  lockForWrite(tx: Tx): Promise<void> {
    return tx.lockTenant(SCORING_CONFIG_LOCK, 'exclusive');
  }

  /**
   * The shared side of SCORING_CONFIG_LOCK, for a path that touches ledger rows before it reads the
   * rules (a merge, an erasure) in a consumer group that does not take it up front: taken first, the
   * run waits for a rule change holding no row that change may need.
   */
  holdConfig(tx: Tx): Promise<void> {
    return tx.lockTenant(SCORING_CONFIG_LOCK, 'shared');
  }

  /** Read once per transaction (`Tx.once`), under SCORING_CONFIG_LOCK: a consumer's run rescoring many contacts reads them once. */
  settings(tx: Tx): Promise<ScoringSettingsValue> {
    return tx.once(SETTINGS_KEY, async () => {
      await this.holdConfig(tx);
      return this.readSettings(tx);
    });
  }

  /** The settings as committed now, neither locked nor kept: for queries. */
  async readSettings(tx: Tx): Promise<ScoringSettingsValue> {
    const r = await tx.maybeOne<{ mql_threshold: number; score_half_life_days: number }>(`SELECT mql_threshold, score_half_life_days FROM marketing_settings WHERE tenant_id = $1`, [tx.tenantId]);
    return { mqlThreshold: r?.mql_threshold ?? DEFAULT_MQL_THRESHOLD, halfLifeDays: r?.score_half_life_days ?? DEFAULT_HALF_LIFE_DAYS };
  }

  async saveSettings(tx: Tx, s: ScoringSettingsValue): Promise<void> {
    await tx.query(
      `INSERT INTO marketing_settings (tenant_id, mql_threshold, score_half_life_days) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET mql_threshold = EXCLUDED.mql_threshold, score_half_life_days = EXCLUDED.score_half_life_days, updated_at = now()`,
      [tx.tenantId, s.mqlThreshold, s.halfLifeDays],
    );
    tx.forget(SETTINGS_KEY);
  }

  /**
   * The rules (of one kind, if given). All of them are read once per transaction (`Tx.once`), under
   * SCORING_CONFIG_LOCK: a consumer's run scores every event of it against the same rules (one read
   * per run instead of one per contact event). The rule writes below forget them.
   */
  async rules(tx: Tx, kind?: RuleKind): Promise<readonly StoredRule[]> {
    const all = await tx.once(RULES_KEY, async () => {
      await this.holdConfig(tx);
      return this.readRules(tx);
    });
    return kind ? all.filter((r) => r.kind === kind) : all;
  }

  /** The rules as committed now, neither locked nor kept: for queries. */
  async readRules(tx: Tx): Promise<StoredRule[]> {
    return (await tx.query<RuleRow>(`SELECT * FROM scoring_rules WHERE tenant_id = $1 ORDER BY created_at, id`, [tx.tenantId])).map(toRule);
  }

  async rule(tx: Tx, id: string): Promise<StoredRule | null> {
    const r = await tx.maybeOne<RuleRow>(`SELECT * FROM scoring_rules WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tx.tenantId, id]);
    return r ? toRule(r) : null;
  }

  async insertRule(tx: Tx, r: Omit<ScoringRuleDef, 'id'>, createdBy: string): Promise<StoredRule> {
    const row = await tx.one<RuleRow>(`INSERT INTO scoring_rules (id, tenant_id, name, kind, field, value, points, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`, [
      randomUUID(), tx.tenantId, r.name, r.kind, r.field, r.value, r.points, createdBy,
    ]);
    tx.forget(RULES_KEY);
    return toRule(row);
  }

  async updateRule(tx: Tx, r: ScoringRuleDef): Promise<StoredRule> {
    const row = await tx.one<RuleRow>(`UPDATE scoring_rules SET name = $3, kind = $4, field = $5, value = $6, points = $7, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [
      tx.tenantId, r.id, r.name, r.kind, r.field, r.value, r.points,
    ]);
    tx.forget(RULES_KEY);
    return toRule(row);
  }

  /** Deletes the rule and what it earned; returns the contacts whose score must be recomputed. */
  async deleteRule(tx: Tx, id: string): Promise<string[]> {
    const touched = await tx.query<{ contact_id: string }>(`DELETE FROM score_events WHERE tenant_id = $1 AND rule_id = $2 RETURNING contact_id`, [tx.tenantId, id]);
    await tx.query(`DELETE FROM scoring_rules WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
    tx.forget(RULES_KEY);
    return [...new Set(touched.map((t) => t.contact_id))];
  }

  /** Replaces the contact's attribute matches (they hold while the contact matches). */
  async replaceAttributeMatches(tx: Tx, contactId: string, matches: { rule: ScoringRuleDef; reason: string }[], at: Date): Promise<boolean> {
    // Prepared: run for every contact event.
    const before = await tx.prepared<{ rule_id: string; points: number }>(`DELETE FROM score_events WHERE tenant_id = $1 AND contact_id = $2 AND kind = 'attribute' RETURNING rule_id, points`, [tx.tenantId, contactId]);
    for (const m of matches) {
      await tx.query(
        `INSERT INTO score_events (id, tenant_id, contact_id, rule_id, rule_name, kind, points, reason, occurred_at) VALUES ($1, $2, $3, $4, $5, 'attribute', $6, $7, $8)`,
        [randomUUID(), tx.tenantId, contactId, m.rule.id, m.rule.name, m.rule.points, m.reason, at],
      );
    }
    const key = (l: { rule_id: string; points: number }[]) => l.map((x) => `${x.rule_id}:${x.points}`).sort().join(',');
    return key(before) !== key(matches.map((m) => ({ rule_id: m.rule.id, points: m.rule.points })));
  }

  /** One behaviour entry per rule and source event (a redelivered event earns nothing twice). Returns whether it was new. */
  async addBehaviour(tx: Tx, contactId: string, rule: ScoringRuleDef, reason: string, occurredAt: Date, sourceEventId: string): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO score_events (id, tenant_id, contact_id, rule_id, rule_name, kind, points, reason, occurred_at, source_event_id)
       VALUES ($1, $2, $3, $4, $5, 'behaviour', $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
      [randomUUID(), tx.tenantId, contactId, rule.id, rule.name, rule.points, reason, occurredAt, sourceEventId],
    );
    return rows.length > 0;
  }

  /** The contact's score at `asOf` from its ledger. */
  async computeScore(tx: Tx, contactId: string, asOf: Date, halfLifeDays: number): Promise<{ score: number; entries: number }> {
    return tx.one<{ score: number; entries: number }>(
      `SELECT coalesce(sum(${decayedSql('$3', '$4')}), 0)::int AS score, count(*)::int AS entries FROM score_events WHERE tenant_id = $1 AND contact_id = $2`,
      [tx.tenantId, contactId, asOf, halfLifeDays],
    );
  }

  async ledger(tx: Tx, contactId: string, asOf: Date, halfLifeDays: number): Promise<LedgerEntry[]> {
    const rows = await tx.query<{ rule_id: string; rule_name: string; kind: RuleKind; points: number; original: number; reason: string; occurred_at: Date }>(
      `SELECT rule_id, rule_name, kind, ${decayedSql('$3', '$4')} AS points, points AS original, reason, occurred_at
       FROM score_events WHERE tenant_id = $1 AND contact_id = $2 ORDER BY occurred_at DESC, id`,
      [tx.tenantId, contactId, asOf, halfLifeDays],
    );
    return rows.map((r) => ({ ruleId: r.rule_id, ruleName: r.rule_name, kind: r.kind, points: r.points, originalPoints: r.original, reason: r.reason, occurredAt: r.occurred_at }));
  }

  /** The stored score, locked: concurrent events of one contact apply one after the other. */
  async lockScore(tx: Tx, contactId: string): Promise<{ score: number; qualified_at: Date | null } | undefined> {
    return tx.maybeOne<{ score: number; qualified_at: Date | null }>(`SELECT score, qualified_at FROM lead_scores WHERE tenant_id = $1 AND contact_id = $2 FOR UPDATE`, [tx.tenantId, contactId]);
  }

  async saveScore(tx: Tx, contactId: string, score: number, qualifiedAt: Date | null, at: Date): Promise<void> {
    await tx.query(
      `INSERT INTO lead_scores (tenant_id, contact_id, score, qualified_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET score = EXCLUDED.score, qualified_at = EXCLUDED.qualified_at, updated_at = EXCLUDED.updated_at`,
      [tx.tenantId, contactId, score, qualifiedAt, at],
    );
  }

  async scoreOf(tx: Tx, contactId: string): Promise<{ score: number; qualified_at: Date | null; updated_at: Date } | undefined> {
    return tx.maybeOne(`SELECT score, qualified_at, updated_at FROM lead_scores WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
  }

  /** Scores of many contacts (Contact.leadScore batches); absent ones are not in the map. */
  async scoresOf(tx: Tx, contactIds: string[]): Promise<Map<string, number>> {
    const rows = await tx.prepared<{ contact_id: string; score: number }>(`SELECT contact_id, score FROM lead_scores WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tx.tenantId, contactIds]);
    return new Map(rows.map((r) => [r.contact_id, r.score]));
  }

  /** Contacts holding behaviour points (what decay can change). */
  async contactsWithBehaviour(tx: Tx): Promise<string[]> {
    return (await tx.query<{ contact_id: string }>(`SELECT DISTINCT contact_id FROM score_events WHERE tenant_id = $1 AND kind = 'behaviour'`, [tx.tenantId])).map((r) => r.contact_id);
  }

  /** Behaviour entries worth nothing any more at `asOf` leave the ledger (they would only ever count 0). */
  async dropExpired(tx: Tx, asOf: Date, halfLifeDays: number): Promise<void> {
    await tx.query(`DELETE FROM score_events WHERE tenant_id = $1 AND kind = 'behaviour' AND ${decayedSql('$2', '$3')} = 0`, [tx.tenantId, asOf, halfLifeDays]);
  }

  /** Makes sure the tenant has a pending decay job (a day from now). */
  async ensureDecayJob(tx: Tx, dueAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO score_decay_jobs (id, tenant_id, due_at) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM score_decay_jobs WHERE tenant_id = $2 AND failed_at IS NULL)`,
      [randomUUID(), tx.tenantId, dueAt],
    );
  }

  async enqueueDecay(tx: Tx, dueAt: Date): Promise<void> {
    await tx.query(`INSERT INTO score_decay_jobs (id, tenant_id, due_at) VALUES ($1, $2, $3)`, [randomUUID(), tx.tenantId, dueAt]);
  }

  /** A merge: the duplicate's ledger moves to the survivor, its score row goes (the survivor is rescored). */
  async moveContact(tx: Tx, fromContactId: string, toContactId: string): Promise<void> {
    // The survivor's own attribute matches stand; the duplicate's attribute rows would double them.
    await tx.query(`DELETE FROM score_events WHERE tenant_id = $1 AND contact_id = $2 AND kind = 'attribute'`, [tx.tenantId, fromContactId]);
    await tx.query(`UPDATE score_events SET contact_id = $3 WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, fromContactId, toContactId]);
    await tx.query(`DELETE FROM lead_scores WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, fromContactId]);
  }

  /** An erasure: the person's score and ledger are deleted (and a pending rescore of them). */
  async deleteOfContact(tx: Tx, contactId: string): Promise<void> {
    await tx.query(`DELETE FROM score_events WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
    await tx.query(`DELETE FROM lead_scores WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
    await tx.query(`DELETE FROM score_rescores WHERE tenant_id = $1 AND contact_id = $2`, [tx.tenantId, contactId]);
  }
}
