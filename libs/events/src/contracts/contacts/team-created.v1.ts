import { defineEvent } from '../../contract';
import { teamSnapshot, exampleTeam } from '../directory';

/** A team was created (subject = team id) with its lead and members. */
export const TeamCreatedV1 = defineEvent({
  type: 'crm.contacts.team.created.v1',
  module: 'contacts',
  aggregate: 'team',
  description: 'A team was created (subject = team id) with its lead and members.',
  schema: teamSnapshot,
  example: { ...exampleTeam, version: 1 },
});
