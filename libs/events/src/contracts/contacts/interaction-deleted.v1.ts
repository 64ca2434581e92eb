import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** A timeline entry logged by mistake was deleted (subject = contact id); it leaves the contact card. */
export const InteractionDeletedV1 = defineEvent({
  type: 'crm.contacts.interaction.deleted.v1',
  module: 'contacts',
  aggregate: 'interaction',
  description: 'A logged interaction was deleted by its author or a manager; it no longer appears on the timeline.',
  schema: z.object({ interactionId: uuid, contactId: uuid, deletedBy: z.string(), deletedAt: z.string() }),
  example: { interactionId: '0d7c3f0e-52a9-4c33-a5a8-6c1d2f7d9a01', contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', deletedBy: 'user-1', deletedAt: '2026-01-04T09:00:00.000Z' },
});
