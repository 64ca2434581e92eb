import { Global, Module } from '@nestjs/common';
import { NoTenantProfiles, TenantProfiles } from '@crm/documents';

/**
 * The tenant profile and users' time zones for every sales context (quote documents, recurring
 * tasks, reports): the one binding of the TenantProfiles port. No profile and UTC until the
 * directory's lookup is bound here instead of NoTenantProfiles.
 */
@Global()
@Module({ providers: [{ provide: TenantProfiles, useClass: NoTenantProfiles }], exports: [TenantProfiles] })
export class TenantProfilesModule {}
