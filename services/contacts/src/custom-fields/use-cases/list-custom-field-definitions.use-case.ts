import { Injectable } from '@nestjs/common';
import { UnitOfWork, type RequestContext } from '@crm/platform';
import { CustomFieldRepository } from '../custom-field.repository';
import type { CustomFieldDefinition } from '../custom-field.values';

@Injectable()
export class ListCustomFieldDefinitions {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly fields: CustomFieldRepository,
  ) {}

  async execute(ctx: RequestContext): Promise<CustomFieldDefinition[]> {
    return [...(await this.uow.run(ctx.tenantId, (tx) => this.fields.definitions(tx))).values()];
  }
}
