import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@crm/platform';
import { CustomFieldRepository } from './custom-field.repository';
import type { CustomFieldDefinition } from './custom-field.values';

/** Reads of the tenant's custom field definitions. */
@Injectable()
export class CustomFieldQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly fields: CustomFieldRepository,
  ) {}

  async definitions(tenantId: string): Promise<CustomFieldDefinition[]> {
    return [...(await this.uow.run(tenantId, (tx) => this.fields.definitions(tx))).values()];
  }
}
