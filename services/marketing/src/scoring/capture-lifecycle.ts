import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { FormRepository } from '../forms/form.repository';
import { LeadScoring } from './lead-scoring';
import { ScoreRepository } from './score.repository';

/**
 * What a contact merge or erasure means for lead capture and scoring; ContactLifecycle's hooks call it
 * (in the replica's transaction):
 *   onMerge(tx, dup, survivor) → captureLifecycle.onMerge(tx, dup, survivor)
 *   onErase(tx, contactId)     → captureLifecycle.onErase(tx, contactId)
 * Stateless over the Tx, so it can be built with `new` where Nest does not inject (the replica's hooks).
 */
@Injectable()
export class CaptureLifecycle {
  private readonly forms = new FormRepository();
  private readonly scoring = new LeadScoring(new ScoreRepository());

  /** Submissions and score points move to the survivor, which is rescored (events follow if it changed). */
  async onMerge(tx: Tx, duplicateId: string, survivorId: string): Promise<void> {
    await this.forms.moveContact(tx, duplicateId, survivorId);
    await this.scoring.moveContact(tx, duplicateId, survivorId);
  }

  /** Submissions lose their personal data (counts per form stay); the score and its ledger are deleted. */
  async onErase(tx: Tx, contactId: string): Promise<void> {
    await this.forms.eraseContact(tx, contactId);
    await this.scoring.eraseContact(tx, contactId);
  }
}
