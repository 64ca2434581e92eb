import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import { renderCustomFields, type CustomFieldDefinition } from '../custom-fields/custom-field.values';
import { toGraphql, type ContactRow } from './contact.rows';
import type { Contact } from './contact.types';

/** Rows as GraphQL contacts; reads the custom field definitions only when a row has custom values. */
@Injectable()
export class ContactPresenter {
  constructor(private readonly customFields: CustomFieldRepository) {}

  async present(tx: Tx, rows: ContactRow[]): Promise<Contact[]> {
    const needsDefs = rows.some((r) => Object.keys(r.custom_fields).length);
    const defs = needsDefs ? await this.customFields.definitions(tx) : new Map<string, CustomFieldDefinition>();
    return rows.map((r) => toGraphql(r, renderCustomFields(defs, r.custom_fields)));
  }

  async one(tx: Tx, row: ContactRow): Promise<Contact> {
    return (await this.present(tx, [row]))[0];
  }
}
