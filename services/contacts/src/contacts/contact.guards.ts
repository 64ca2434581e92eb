import { Injectable } from '@nestjs/common';
import { badUserInput, conflict, conflictOnUnique, invalidField, isUuid, notFound, type Tx } from '@crm/platform';
import type { ContactRow } from './contact.rows';
import { ContactRepository } from './contact.repository';

/** The checks the contact use cases share: existence, state, uniqueness of emails and phones. */
@Injectable()
export class ContactGuards {
  constructor(private readonly contacts: ContactRepository) {}

  /**
   * The contact, locked for the transaction. `field` names where the id came from: the operation's
   * own argument (`id`): an unknown id is NOT_FOUND; an id inside the input (`input.contactId`):
   * BAD_USER_INPUT naming the field.
   */
  async lockExisting(tx: Tx, id: string, field = 'id'): Promise<ContactRow> {
    if (!isUuid(id)) throw invalidField(field, `"${id.slice(0, 60)}" is not a contact id`);
    if (!(await this.contacts.lock(tx, id))) {
      throw field.startsWith('input.') ? invalidField(field, `contact ${id} does not exist`) : notFound(`contact ${id} does not exist`, { contactId: id });
    }
    return (await this.contacts.find(tx, id))!;
  }

  /** As lockExisting, and neither erased nor merged away (those can no longer change). */
  async lockActive(tx: Tx, id: string, field = 'id'): Promise<ContactRow> {
    const row = await this.lockExisting(tx, id, field);
    if (row.erased_at) throw badUserInput(`${field}: contact ${id} was erased and can no longer be changed`, { field, contactId: id });
    if (row.merged_into) {
      throw badUserInput(`${field}: contact ${id} was merged into ${row.merged_into}; change that contact instead`, { field, contactId: id, mergedIntoId: row.merged_into });
    }
    return row;
  }

  /** As lockActive, and not archived: an archived contact is restored before it is edited. */
  async lockEditable(tx: Tx, id: string, field = 'id'): Promise<ContactRow> {
    const row = await this.lockActive(tx, id, field);
    if (row.archived_at) throw conflict(`contact ${id} is archived; restore it (restoreContact) before changing it`, { contactId: id, archivedAt: row.archived_at.toISOString() });
    return row;
  }

  /** Duplicate detection on normalised email/phone; the error names the existing contact. */
  async assertNoDuplicates(tx: Tx, emails: string[], phones: string[], exceptId?: string): Promise<void> {
    const other = (await this.contacts.holdersOf(tx, emails, phones)).find((h) => h.contact_id !== exceptId);
    if (other) {
      throw conflict(`a contact with ${other.kind} ${other.value} already exists: ${other.display_name} (${other.contact_id}); update it or merge the two`, {
        existingContactId: other.contact_id,
        field: other.kind,
      });
    }
  }
}

/** Runs a contact write; a unique-index race on email/phone becomes a CONFLICT flagged `race`. */
export function raceAsConflict<T>(run: () => Promise<T>): Promise<T> {
  return conflictOnUnique(run, (constraint) =>
    /contact_(emails|phones)/.test(constraint) ? conflict('another contact with this email or phone was created at the same time; retry to see which one', { race: true }) : undefined,
  );
}
