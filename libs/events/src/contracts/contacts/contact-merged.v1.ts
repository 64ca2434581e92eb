import { z } from 'zod';
import { defineEvent } from '../../contract';
import { contactSnapshot, exampleSnapshot, uuid } from '../common';

/**
 * The duplicate was merged into the survivor (subject = survivor id). Every module moves the
 * duplicate's references to the survivor; the duplicate id stays resolvable as "merged into".
 */
export const ContactMergedV1 = defineEvent({
  type: 'crm.contacts.contact.merged.v1',
  module: 'contacts',
  aggregate: 'contact',
  description: "A duplicate contact was merged into a survivor. Move the duplicate's references to the survivor.",
  schema: z.object({ survivorId: uuid, duplicateId: uuid, survivor: contactSnapshot }),
  example: { survivorId: exampleSnapshot.contactId, duplicateId: '7b0e2c7e-3f59-4f0e-8a1e-0b9f8f0f2a10', survivor: { ...exampleSnapshot, version: 3 } },
});
