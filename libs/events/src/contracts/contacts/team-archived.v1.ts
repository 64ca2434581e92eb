import { defineEvent } from '../../contract';
import { teamSnapshot, exampleTeam } from '../directory';

/** A team was archived (subject = team id): it is kept for history, but lists can no longer be filtered by it. */
export const TeamArchivedV1 = defineEvent({
  type: 'crm.contacts.team.archived.v1',
  module: 'contacts',
  aggregate: 'team',
  description: 'A team was archived (subject = team id): it is kept for history, but lists can no longer be filtered by it.',
  schema: teamSnapshot,
  example: { ...exampleTeam, version: 3, archived: true },
});
