import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';

/** GDPR erasure: every module removes this contact's personal data. Carries no PII itself. */
export const ContactErasedV1 = defineEvent({
  type: 'crm.contacts.contact.erased.v1',
  module: 'contacts',
  aggregate: 'contact',
  description: 'A contact was erased (GDPR right to erasure). Every module must delete the personal data it holds for it.',
  schema: z.object({ contactId: uuid, erasedAt: z.string() }),
  example: { contactId: '2f1c7a34-94a4-4d43-9b7f-7f2a4d8f6b11', erasedAt: '2026-01-02T00:00:00.000Z' },
});
