import { defineEvent } from '../../contract';
import { contactSnapshot, exampleSnapshot } from '../common';

/** A contact was created (by hand, API or import). Carries the full snapshot so replicas need no lookup. */
export const ContactCreatedV1 = defineEvent({
  type: 'crm.contacts.contact.created.v1',
  module: 'contacts',
  aggregate: 'contact',
  description: 'A contact was created. Data is the full contact snapshot.',
  schema: contactSnapshot,
  example: exampleSnapshot,
});
