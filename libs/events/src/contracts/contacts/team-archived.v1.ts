import { defineEvent } from '../../contract';
import { teamSnapshot, exampleTeam } from '../directory';

/** A team was archived (subject = team id): it is kept for history (and lists filtered by it still show what its members own), but can no longer be changed. */
export const TeamArchivedV1 = defineEvent({
  type: 'crm.contacts.team.archived.v1',
  module: 'contacts',
  aggregate: 'team',
  description: 'A team was archived (subject = team id): it is kept for history (and lists filtered by it still show what its members own), but can no longer be changed.',
  schema: teamSnapshot,
  example: { ...exampleTeam, version: 3, archived: true },
});
