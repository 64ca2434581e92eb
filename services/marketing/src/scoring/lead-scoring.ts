import { Injectable } from '@nestjs/common';
import { LeadQualifiedV1, LeadScoreChangedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import { ScoreRepository } from './score.repository';
import { attributeMatches, behaviourMatches, reasonOf, type Behaviour, type ContactAttributes } from './scoring-rules';

const DAY_MS = 86_400_000;

/**
 * The scoring rules applied: behaviour earns points into the ledger, attributes are re-matched, and a
 * contact's score is recomputed from its ledger as of a time. Every change of the score emits
 * LeadScoreChangedV1; reaching the tenant's threshold from below emits LeadQualifiedV1 once — falling
 * below clears the qualification, so a later rise qualifies again (the contract's "once per crossing").
 * Stateless over the Tx: consumers, use cases, the decay job and the contact hooks share it.
 */
@Injectable()
export class LeadScoring {
  constructor(private readonly scores: ScoreRepository) {}

  /** Points for one behaviour event; returns whether any rule matched. */
  async onBehaviour(tx: Tx, eventContactId: string, b: Behaviour, what: string, occurredAt: Date, sourceEventId: string): Promise<boolean> {
    // The rules are read once per run: a behaviour no rule scores costs no statement of its own.
    const rules = (await this.scores.rules(tx, 'behaviour')).filter((r) => behaviourMatches(r, b));
    if (!rules.length) return false;
    // A late event of a merged contact counts for the survivor; one of an erased contact counts for no one.
    const known = await tx.maybeOne<{ merged_into: string | null; erased_at: Date | null }>(
      `SELECT merged_into, erased_at FROM contact_replica WHERE tenant_id = $1 AND contact_id = $2`,
      [tx.tenantId, eventContactId],
    );
    if (known?.erased_at) return false;
    const contactId = known?.merged_into ?? eventContactId;
    let earned = false;
    const reasons: string[] = [];
    for (const r of rules) {
      const reason = reasonOf(r, what);
      if (await this.scores.addBehaviour(tx, contactId, r, reason, occurredAt, sourceEventId)) {
        earned = true;
        reasons.push(reason);
      }
    }
    if (!earned) return false;
    await this.scores.ensureDecayJob(tx, new Date(Date.now() + DAY_MS));
    await this.rescore(tx, contactId, new Date(), reasons.join('; '));
    return true;
  }

  /** Re-matches the attribute rules against the contact as it is now; returns whether the matches changed (and the contact was rescored). */
  async onAttributes(tx: Tx, contactId: string, c: ContactAttributes, at = new Date()): Promise<boolean> {
    const rules = await this.scores.rules(tx, 'attribute');
    const matches = rules.filter((r) => attributeMatches(r, c)).map((rule) => ({ rule, reason: reasonOf(rule, `matches ${rule.field} = ${rule.value}`) }));
    const changed = await this.scores.replaceAttributeMatches(tx, contactId, matches, at);
    if (changed) await this.rescore(tx, contactId, at, matches.length ? matches.map((m) => m.reason).join('; ') : 'no attribute rule matches any more');
    return changed;
  }

  /**
   * The score from the ledger at `asOf`, stored; the events that follow from the change. A contact
   * with neither a score row nor ledger entries gets no row (score 0 is the default).
   */
  async rescore(tx: Tx, contactId: string, asOf: Date, reason: string): Promise<number> {
    const { mqlThreshold, halfLifeDays } = await this.scores.settings(tx);
    const prev = await this.scores.lockScore(tx, contactId);
    const { score, entries } = await this.scores.computeScore(tx, contactId, asOf, halfLifeDays);
    if (!prev && entries === 0) return 0;
    const previousScore = prev?.score ?? 0;
    let qualifiedAt = prev?.qualified_at ?? null;
    const crossedUp = score >= mqlThreshold && !qualifiedAt;
    if (crossedUp) qualifiedAt = asOf;
    else if (score < mqlThreshold) qualifiedAt = null;
    await this.scores.saveScore(tx, contactId, score, qualifiedAt, asOf);
    if (score !== previousScore) await tx.emit(LeadScoreChangedV1, contactId, { contactId, score, previousScore, reason: reason.slice(0, 1000), changedAt: asOf.toISOString() });
    if (crossedUp) await tx.emit(LeadQualifiedV1, contactId, { contactId, score, threshold: mqlThreshold, qualifiedAt: asOf.toISOString() });
    return score;
  }

  /**
   * The daily decay of one tenant, as of `asOf`: every contact holding behaviour points is rescored,
   * entries worth 0 leave the ledger.
   */
  async decayTenant(tx: Tx, asOf: Date): Promise<void> {
    const { halfLifeDays } = await this.scores.settings(tx);
    for (const contactId of await this.scores.contactsWithBehaviour(tx)) await this.rescore(tx, contactId, asOf, 'behaviour points decayed');
    await this.scores.dropExpired(tx, asOf, halfLifeDays);
  }

  /** A merge (or a capture matched to an older contact): the duplicate's points count for the survivor. */
  async moveContact(tx: Tx, fromContactId: string, toContactId: string): Promise<void> {
    if (fromContactId === toContactId) return;
    await this.scores.holdConfig(tx);
    await this.scores.moveContact(tx, fromContactId, toContactId);
    await this.rescore(tx, toContactId, new Date(), 'points of a merged contact');
  }

  async eraseContact(tx: Tx, contactId: string): Promise<void> {
    await this.scores.holdConfig(tx);
    await this.scores.deleteOfContact(tx, contactId);
  }
}
