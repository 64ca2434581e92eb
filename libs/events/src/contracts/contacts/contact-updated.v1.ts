import { z } from 'zod';
import { defineEvent } from '../../contract';
import { contactSnapshot, exampleSnapshot } from '../common';

/** A contact changed (fields, emails, phones, consent, preferences). Full snapshot plus the changed field names. */
export const ContactUpdatedV1 = defineEvent({
  type: 'crm.contacts.contact.updated.v1',
  module: 'contacts',
  aggregate: 'contact',
  description: 'A contact changed. Data is the full snapshot after the change and the list of changed fields.',
  schema: contactSnapshot.extend({ changed: z.array(z.string()) }),
  example: { ...exampleSnapshot, version: 2, changed: ['tags'] },
});
