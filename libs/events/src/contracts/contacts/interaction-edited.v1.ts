import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** A timeline entry logged by mistake was corrected (subject = contact id). Data is the entry after the change. */
export const InteractionEditedV1 = defineEvent({
  type: 'crm.contacts.interaction.edited.v1',
  module: 'contacts',
  aggregate: 'interaction',
  description: "A logged interaction (call, email, meeting, note) was edited by its author or a manager. Data is the entry after the change and the changed fields.",
  schema: z.object({
    interactionId: uuid,
    contactId: uuid,
    kind: z.enum(['call', 'email', 'meeting', 'note']),
    summary: z.string(),
    occurredAt: z.string(),
    editedBy: z.string(),
    changed: z.array(z.string()),
  }),
  example: {
    interactionId: '0d7c3f0e-52a9-4c33-a5a8-6c1d2f7d9a01',
    contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11',
    kind: 'meeting',
    summary: 'Discussed renewal (on site)',
    occurredAt: '2026-01-03T10:00:00.000Z',
    editedBy: 'user-1',
    changed: ['kind', 'summary'],
  },
});
