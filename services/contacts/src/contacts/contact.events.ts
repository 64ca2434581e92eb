import { ContactCreatedV1, ContactErasedV1, ContactMergedV1, ContactUpdatedV1, type ContactSnapshot } from '@crm/events';
import type { Tx } from '@crm/platform';
import { toSnapshot, type ContactRow } from './contact.rows';

/** Every event of a contact carries its full snapshot, so consumers never call back. */
export function emitContactCreated(tx: Tx, row: ContactRow): Promise<void> {
  return tx.emit(ContactCreatedV1, row.id, toSnapshot(row));
}

/** Also what setConsent emits (`changed: ['consents']`): consent is part of the contact's snapshot. */
export function emitContactUpdated(tx: Tx, row: ContactRow, changed: string[]): Promise<void> {
  return tx.emit(ContactUpdatedV1, row.id, { ...toSnapshot(row), changed });
}

export function emitContactMerged(tx: Tx, survivor: ContactRow, duplicateId: string): Promise<void> {
  return tx.emit(ContactMergedV1, survivor.id, { survivorId: survivor.id, duplicateId, survivor: toSnapshot(survivor) });
}

export function emitContactErased(tx: Tx, contactId: string, erasedAt: Date): Promise<void> {
  return tx.emit(ContactErasedV1, contactId, { contactId, erasedAt: erasedAt.toISOString() });
}

/** Contacts created in bulk (the CSV import): one outbox round trip. */
export function emitContactsCreated(tx: Tx, events: { subject: string; data: ContactSnapshot }[]): Promise<void> {
  return tx.emitMany(ContactCreatedV1, events);
}
