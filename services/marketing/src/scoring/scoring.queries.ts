import { Injectable } from '@nestjs/common';
import { isUuid, notFound, UnitOfWork } from '@crm/platform';
import { ScoreRescores } from './score-rescores';
import { ScoreRepository, type ScoringSettingsValue, type StoredRule } from './score.repository';
import type { LeadScore, ScoringRuleKind } from './scoring.types';

@Injectable()
export class ScoringQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly scores: ScoreRepository,
    private readonly rescores: ScoreRescores,
  ) {}

  rules(tenantId: string): Promise<StoredRule[]> {
    return this.uow.run(tenantId, (tx) => this.scores.readRules(tx));
  }

  settings(tenantId: string): Promise<ScoringSettingsValue> {
    return this.uow.run(tenantId, (tx) => this.scores.readSettings(tx));
  }

  pendingRescores(tenantId: string): Promise<number> {
    return this.uow.run(tenantId, (tx) => this.rescores.pending(tx));
  }

  /** A contact without points scores 0 with an empty breakdown; a malformed id is NOT_FOUND. */
  leadScore(tenantId: string, contactId: string): Promise<LeadScore> {
    if (!isUuid(contactId)) throw notFound(`contact ${contactId} does not exist`);
    const id = contactId.toLowerCase();
    return this.uow.run(tenantId, async (tx) => {
      const { mqlThreshold, halfLifeDays } = await this.scores.readSettings(tx);
      const s = await this.scores.scoreOf(tx, id);
      const breakdown = s ? await this.scores.ledger(tx, id, s.updated_at, halfLifeDays) : [];
      return {
        contactId: id, score: s?.score ?? 0, threshold: mqlThreshold, qualified: !!s?.qualified_at, qualifiedAt: s?.qualified_at ?? null, updatedAt: s?.updated_at ?? null,
        breakdown: breakdown.map((b) => ({ ...b, kind: b.kind as ScoringRuleKind })),
      };
    });
  }

  /** Contact.leadScore for a batch: one query; unknown or malformed ids score 0. */
  async scoresOf(tenantId: string, contactIds: readonly string[]): Promise<number[]> {
    const valid = [...new Set(contactIds.map((c) => c.toLowerCase()).filter(isUuid))];
    const found = valid.length ? await this.uow.run(tenantId, (tx) => this.scores.scoresOf(tx, valid)) : new Map<string, number>();
    return contactIds.map((c) => found.get(c.toLowerCase()) ?? 0);
  }
}
