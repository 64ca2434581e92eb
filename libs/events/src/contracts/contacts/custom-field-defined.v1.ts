import { z } from 'zod';
import { defineEvent } from '../../contract';

/** A tenant defined a custom contact field. Subject = the field key. */
export const CustomFieldDefinedV1 = defineEvent({
  type: 'crm.contacts.custom-field.defined.v1',
  module: 'contacts',
  aggregate: 'custom-field',
  description: 'A tenant added a typed custom field to its contacts (text, number, date, boolean or enum).',
  schema: z.object({
    key: z.string(),
    label: z.string(),
    type: z.enum(['text', 'number', 'date', 'boolean', 'enum']),
    options: z.array(z.string()),
  }),
  example: { key: 'shoe_size', label: 'Shoe size', type: 'number', options: [] },
});
