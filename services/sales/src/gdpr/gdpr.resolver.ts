import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { appError, currentUser, hasPermission } from '@crm/platform';
import { SalesContact } from '../common/graphql';
import { SalesPermission } from '../permissions';
import { ExportPersonalData } from './use-cases/export-personal-data.use-case';
import { PersonalDataExport } from './personal-data.types';

/**
 * Sales' part of a GDPR access request, on the federated `Contact`. A DPO gets every deployed
 * module's part in one gateway query:
 *
 *   query AccessRequest($id: ID!) {
 *     exportContactData(id: $id)                                  # contacts (JSON)
 *     contact(id: $id) { id salesPersonalData { module contactId exportedAt data } }
 *   }
 */
@Resolver(() => SalesContact)
export class SalesGdprResolver {
  constructor(private readonly exportPersonalData: ExportPersonalData) {}

  @ResolveField(() => PersonalDataExport, { nullable: true, description: 'GDPR access request: everything sales holds about the contact (needs sales.contact.access-request: admin, dpo)' })
  salesPersonalData(@Parent() c: SalesContact) {
    // A field of an entity is not a root operation, so the operation guard does not see it: checked here.
    const ctx = currentUser();
    const permission = SalesPermission['contact.access-request'];
    if (!hasPermission(ctx, permission)) {
      throw appError('FORBIDDEN', `salesPersonalData needs the permission ${permission.name} (held by the roles: ${permission.roles.join(', ')})`, { permission: permission.name });
    }
    return this.exportPersonalData.execute(ctx, c.id);
  }
}
