import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** A call, email, meeting or note was logged on a contact's timeline. Subject = contact id. */
export const InteractionLoggedV1 = defineEvent({
  type: 'crm.contacts.interaction.logged.v1',
  module: 'contacts',
  aggregate: 'interaction',
  description: "An interaction (call, email, meeting, note) was logged on a contact's timeline.",
  schema: z.object({
    interactionId: uuid,
    contactId: uuid,
    kind: z.enum(['call', 'email', 'meeting', 'note']),
    summary: z.string(),
    occurredAt: z.string(),
    actorId: z.string().nullable(),
  }),
  example: {
    interactionId: '0d7c3f0e-52a9-4c33-a5a8-6c1d2f7d9a01',
    contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
    kind: 'call',
    summary: 'Discussed renewal',
    occurredAt: '2026-01-03T10:00:00.000Z',
    actorId: 'user-1',
  },
});
