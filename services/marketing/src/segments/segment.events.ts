import { SegmentCreatedV1, SegmentDeletedV1, SegmentUpdatedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { SegmentRecord } from './segment.repository';

const ref = (s: SegmentRecord) => ({ segmentId: s.id, name: s.name, kind: s.kind, timeRelative: s.timeRelative });

/** Each in the transaction of the change (the outbox row commits with it). */
export function emitSegmentCreated(tx: Tx, s: SegmentRecord, size: number): Promise<void> {
  return tx.emit(SegmentCreatedV1, s.id, { ...ref(s), size, createdBy: s.createdBy, createdAt: s.createdAt.toISOString() });
}

export function emitSegmentUpdated(tx: Tx, s: SegmentRecord, changes: ('name' | 'description' | 'rule' | 'members')[], size: number, by: string): Promise<void> {
  return tx.emit(SegmentUpdatedV1, s.id, { ...ref(s), changes, size, updatedBy: by, updatedAt: new Date().toISOString() });
}

export function emitSegmentDeleted(tx: Tx, s: SegmentRecord, by: string): Promise<void> {
  return tx.emit(SegmentDeletedV1, s.id, { ...ref(s), deletedBy: by, deletedAt: new Date().toISOString() });
}
