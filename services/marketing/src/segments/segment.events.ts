import { SegmentCreatedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { Segment } from './segment.types';

/** Emitted in the transaction that created the segment (the outbox row commits with it). */
export function emitSegmentCreated(tx: Tx, i: Segment): Promise<void> {
  return tx.emit(SegmentCreatedV1, i.id, { segmentId: i.id, contactId: i.contactId, name: i.name, createdBy: i.createdBy });
}
