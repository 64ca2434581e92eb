import { z } from 'zod';
import { defineEvent } from '../../contract';
import { userSnapshot, exampleUser } from '../directory';

/** An admin changed a user (name, email, time zone, locale, roles, or reactivated them; subject = user id). Carries the whole user; changed names the fields. */
export const UserUpdatedV1 = defineEvent({
  type: 'crm.contacts.user.updated.v1',
  module: 'contacts',
  aggregate: 'user',
  description: 'An admin changed a user (name, email, time zone, locale, roles, or reactivated them; subject = user id). Carries the whole user; changed names the fields.',
  schema: userSnapshot.extend({ changed: z.array(z.string()) }),
  example: { ...exampleUser, version: 2, changed: ['roles'] },
});
