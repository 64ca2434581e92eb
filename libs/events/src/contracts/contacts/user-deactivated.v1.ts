import { defineEvent } from '../../contract';
import { userSnapshot, exampleUser } from '../directory';

/** An admin deactivated a user (subject = user id): they keep what they own, but cannot be named as a new owner or assignee. */
export const UserDeactivatedV1 = defineEvent({
  type: 'crm.contacts.user.deactivated.v1',
  module: 'contacts',
  aggregate: 'user',
  description: 'An admin deactivated a user (subject = user id): they keep what they own, but cannot be named as a new owner or assignee.',
  schema: userSnapshot,
  example: { ...exampleUser, version: 3, active: false },
});
