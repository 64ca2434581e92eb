import { defineEvent } from '../../contract';
import { userSnapshot, exampleUser } from '../directory';

/** A user appeared in the tenant’s directory (first sign-in, subject = user id), provisioned from the identity provider’s token claims. */
export const UserProvisionedV1 = defineEvent({
  type: 'crm.contacts.user.provisioned.v1',
  module: 'contacts',
  aggregate: 'user',
  description: 'A user appeared in the tenant’s directory (first sign-in, subject = user id), provisioned from the identity provider’s token claims.',
  schema: userSnapshot,
  example: exampleUser,
});
