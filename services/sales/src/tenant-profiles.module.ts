import { Global, Module } from '@nestjs/common';
import { TenantProfiles } from '@crm/documents';
import { DirectoryTenantProfiles } from '@crm/shared-directory';

/**
 * The tenant profile and users' time zones for every sales context (quote documents, recurring
 * tasks, reports): the one binding of the TenantProfiles port, to the directory replica.
 */
@Global()
@Module({ providers: [{ provide: TenantProfiles, useClass: DirectoryTenantProfiles }], exports: [TenantProfiles] })
export class TenantProfilesModule {}
