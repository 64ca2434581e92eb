import { Injectable } from '@nestjs/common';
import type { Tx } from '@crm/platform';
import { CustomFieldRepository } from '../custom-fields/custom-field.repository';
import type { CustomFieldDefinition } from '../custom-fields/custom-field.values';
import type { Company } from '../contacts/contact.types';
import { toCompany, type CompanyRow } from './company.repository';

/** Rows as GraphQL companies; reads the custom field definitions only when a row has custom values. */
@Injectable()
export class CompanyPresenter {
  constructor(private readonly customFields: CustomFieldRepository) {}

  async present(tx: Tx, rows: CompanyRow[]): Promise<Company[]> {
    const defs = rows.some((r) => Object.keys(r.custom_fields).length) ? await this.customFields.definitions(tx) : new Map<string, CustomFieldDefinition>();
    return rows.map((r) => toCompany(r, defs));
  }

  async one(tx: Tx, row: CompanyRow): Promise<Company> {
    return (await this.present(tx, [row]))[0];
  }
}
