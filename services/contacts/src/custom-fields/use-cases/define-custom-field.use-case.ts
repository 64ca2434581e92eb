import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { CustomFieldRepository } from '../custom-field.repository';
import { emitCustomFieldDefined } from '../custom-field.events';
import type { CustomFieldDefinition } from '../custom-field.values';

const LABEL = 'the label must be 1-200 characters';

const defineCustomFieldSchema = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'the key must start with a letter and use only a-z, 0-9 and _ (max 63)'),
    label: z.string().refine((l) => l.trim().length > 0 && l.length <= 200, LABEL),
    type: z.enum(['text', 'number', 'date', 'boolean', 'enum']),
    options: z.array(z.string().max(200, 'must be at most 200 characters')).max(200).nullish().transform((o) => o ?? []),
  })
  .superRefine((d, ctx) => {
    if (d.type === 'enum' && d.options.length === 0) ctx.addIssue({ code: 'custom', path: ['options'], message: 'an enum field needs at least one option' });
    if (d.type !== 'enum' && d.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'options are only allowed for enum fields' });
  });

export type DefineCustomFieldInput = z.input<typeof defineCustomFieldSchema>;

/** Adds a typed custom field for every contact of the tenant; no schema migration needed. */
@Injectable()
export class DefineCustomField {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly fields: CustomFieldRepository,
  ) {}

  async execute(ctx: RequestContext, input: DefineCustomFieldInput): Promise<CustomFieldDefinition> {
    const def = parseInput(defineCustomFieldSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      if (!(await this.fields.insert(tx, def))) throw conflict(`custom field "${def.key}" already exists`);
      await emitCustomFieldDefined(tx, def);
      return def;
    });
  }
}
