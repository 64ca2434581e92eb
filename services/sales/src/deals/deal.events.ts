import { DealArchivedV1, DealCreatedV1, DealLostV1, DealReopenedV1, DealRestoredV1, DealStageChangedV1, DealUpdatedV1, DealWonV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { ReversedCommission } from '../commissions/commissions.service';
import type { StageRow } from '../pipelines/pipeline.repository';
import type { Deal } from './deal.types';

const amountOf = (d: Deal) => ({ amount: d.amount.amount, currency: d.amount.currency });

export function emitDealCreated(tx: Tx, d: Deal, createdBy: string): Promise<void> {
  return tx.emit(DealCreatedV1, d.id, {
    dealId: d.id, title: d.title, contactId: d.contactId, companyId: d.companyId, ownerId: d.ownerId, pipelineId: d.pipelineId, stageId: d.stageId,
    amount: amountOf(d), expectedCloseDate: d.expectedCloseDate, source: d.source, createdBy,
  });
}

export function emitDealUpdated(tx: Tx, d: Deal, changed: string[], updatedBy: string): Promise<void> {
  return tx.emit(DealUpdatedV1, d.id, {
    dealId: d.id, title: d.title, contactId: d.contactId, companyId: d.companyId, ownerId: d.ownerId, amount: amountOf(d),
    expectedCloseDate: d.expectedCloseDate, forecastCategory: d.forecastCategory, source: d.source, version: d.version, changed, updatedBy,
  });
}

/** `before` is the deal as it was (its stage is the one left). */
export function emitDealStageChanged(tx: Tx, before: Deal, to: StageRow, movedBy: string, movedAt: Date): Promise<void> {
  return tx.emit(DealStageChangedV1, before.id, {
    dealId: before.id, contactId: before.contactId, pipelineId: before.pipelineId, fromStageId: before.stageId, toStageId: to.id, toStageName: to.name,
    probability: to.probability, movedBy, movedAt: movedAt.toISOString(),
  });
}

export function emitDealWon(tx: Tx, d: Deal, wonBy: string): Promise<void> {
  return tx.emit(DealWonV1, d.id, {
    dealId: d.id, title: d.title, contactId: d.contactId, ownerId: d.ownerId, pipelineId: d.pipelineId, stageId: d.stageId,
    amount: amountOf(d), source: d.source, wonAt: closedAt(d), wonBy,
  });
}

export function emitDealLost(tx: Tx, d: Deal, reason: string, lostBy: string): Promise<void> {
  return tx.emit(DealLostV1, d.id, {
    dealId: d.id, title: d.title, contactId: d.contactId, ownerId: d.ownerId, pipelineId: d.pipelineId, stageId: d.stageId,
    amount: amountOf(d), reason, lostAt: closedAt(d), lostBy,
  });
}

function closedAt(d: Deal): string {
  if (!d.closedAt) throw new Error(`deal ${d.id} is not closed`);
  return new Date(d.closedAt).toISOString();
}

export function emitDealReopened(tx: Tx, d: Deal, previousStatus: 'won' | 'lost', reversed: ReversedCommission[], reopenedBy: string, at: Date): Promise<void> {
  return tx.emit(DealReopenedV1, d.id, {
    dealId: d.id, title: d.title, contactId: d.contactId, ownerId: d.ownerId, pipelineId: d.pipelineId, stageId: d.stageId, amount: amountOf(d),
    previousStatus, reversedCommissions: reversed, reopenedAt: at.toISOString(), reopenedBy,
  });
}

export function emitDealArchived(tx: Tx, d: Deal, archivedBy: string): Promise<void> {
  return tx.emit(DealArchivedV1, d.id, { dealId: d.id, contactId: d.contactId, archivedAt: new Date(d.archivedAt!).toISOString(), archivedBy });
}

export function emitDealRestored(tx: Tx, d: Deal, restoredBy: string): Promise<void> {
  return tx.emit(DealRestoredV1, d.id, { dealId: d.id, contactId: d.contactId, restoredAt: new Date(d.updatedAt).toISOString(), restoredBy });
}
