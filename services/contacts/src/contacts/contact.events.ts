import { ContactArchivedV1, ContactCreatedV1, ContactErasedV1, ContactRestoredV1, ContactMergedV1, ContactUpdatedV1, type ContactSnapshot } from '@crm/events';
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

export function emitContactArchived(tx: Tx, row: ContactRow): Promise<void> {
  return tx.emit(ContactArchivedV1, row.id, { contactId: row.id, version: row.version, archivedAt: (row.archived_at ?? new Date()).toISOString(), archivedBy: row.archived_by ?? null });
}

export function emitContactRestored(tx: Tx, row: ContactRow): Promise<void> {
  return tx.emit(ContactRestoredV1, row.id, toSnapshot(row));
}

/** A bulk update: one contact.updated per changed contact, in one outbox round trip. */
export function emitContactsUpdated(tx: Tx, rows: ContactRow[], changed: string[]): Promise<void> {
  return tx.emitMany(ContactUpdatedV1, rows.map((r) => ({ subject: r.id, data: { ...toSnapshot(r), changed } })));
}
