import { z } from 'zod';
import { defineEvent } from '../../contract';
import { teamSnapshot, exampleTeam } from '../directory';

/** A team was renamed, got a new lead, or gained or lost members (subject = team id). Carries the whole team; changed names the fields (members for a membership change). */
export const TeamUpdatedV1 = defineEvent({
  type: 'crm.contacts.team.updated.v1',
  module: 'contacts',
  aggregate: 'team',
  description: 'A team was renamed, got a new lead, or gained or lost members (subject = team id). Carries the whole team; changed names the fields (members for a membership change).',
  schema: teamSnapshot.extend({ changed: z.array(z.string()) }),
  example: { ...exampleTeam, changed: ['members'] },
});
