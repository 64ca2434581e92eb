import { defineEvent } from '../../contract';
import { contactSnapshot, exampleSnapshot } from '../common';

/** An archived contact was restored (subject = contact id). Full snapshot, as contact.updated. */
export const ContactRestoredV1 = defineEvent({
  type: 'crm.contacts.contact.restored.v1',
  module: 'contacts',
  aggregate: 'contact',
  description: 'An archived contact was restored: active again in lists and search. Data is the full contact snapshot; replicas clear the archived flag.',
  schema: contactSnapshot,
  example: { ...exampleSnapshot, version: 5 },
});
