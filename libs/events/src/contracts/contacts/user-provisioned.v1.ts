import { defineEvent } from '../../contract';
import { userSnapshot, exampleUser } from '../directory';

/**
 * A user appeared in the tenant’s directory (subject = user id): provisioned on their first sign-in
 * from the identity provider’s token claims, or created ahead of it by an admin (createUser; the
 * envelope’s actorid is then the admin, not the user). Either way the same fact for a replica: a
 * new user of the tenant, who may own records from now on.
 */
export const UserProvisionedV1 = defineEvent({
  type: 'crm.contacts.user.provisioned.v1',
  module: 'contacts',
  aggregate: 'user',
  description:
    'A user appeared in the tenant’s directory (subject = user id): provisioned on their first sign-in from the identity provider’s token claims, or created ahead of it by an admin (createUser; the envelope’s actorid is the admin).',
  schema: userSnapshot,
  example: exampleUser,
});
