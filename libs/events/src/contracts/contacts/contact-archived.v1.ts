import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/**
 * A contact was archived (soft delete; subject = contact id): hidden from lists and search but
 * kept, resolvable by id and restorable. Not an erasure: no personal data is removed.
 */
export const ContactArchivedV1 = defineEvent({
  type: 'crm.contacts.contact.archived.v1',
  module: 'contacts',
  aggregate: 'contact',
  description:
    'A contact was archived (soft delete): hidden from lists and search, still resolvable by id, restorable (contact.restored). Replicas keep the contact and flag it archived; new references to it should be refused.',
  schema: z.object({ contactId: uuid, version: z.number().int().positive(), archivedAt: z.string(), archivedBy: z.string().nullable() }),
  example: { contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', version: 4, archivedAt: '2026-01-02T00:00:00.000Z', archivedBy: 'user-1' },
});
