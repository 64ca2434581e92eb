import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DirectoryRepository } from './directory.repository';
import { DirectoryQueries } from './directory.queries';
import { ProvisionOnRequest, ProvisionUser } from './provision-user';
import { TeamsResolver, TenantProfileResolver, UsersResolver } from './directory.resolver';
import { SetUserActive, UpdateUser } from './use-cases/update-user.use-case';
import { CreateUser } from './use-cases/create-user.use-case';
import { ArchiveTeam, CreateTeam, UpdateTeam } from './use-cases/team.use-cases';
import { UpdateTenantProfile } from './use-cases/update-tenant-profile.use-case';
import { OwnerRule } from './owner-rule';

/**
 * The directory context of contacts (issue 10 §2): users, teams, the tenant profile. Contacts is its
 * one writer; other modules keep a replica through @crm/shared-directory. Exports the owner rule the
 * contacts and companies use cases apply.
 */
@Module({
  providers: [
    DirectoryRepository,
    DirectoryQueries,
    ProvisionUser,
    { provide: APP_INTERCEPTOR, useClass: ProvisionOnRequest },
    UsersResolver,
    TeamsResolver,
    TenantProfileResolver,
    CreateUser,
    UpdateUser,
    SetUserActive,
    CreateTeam,
    UpdateTeam,
    ArchiveTeam,
    UpdateTenantProfile,
    OwnerRule,
  ],
  exports: [DirectoryRepository, OwnerRule],
})
export class DirectoryModule {}
