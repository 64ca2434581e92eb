import { Args, ID, Info, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import DataLoader from 'dataloader';
import { AnyUser, currentUser, PageArgs, requestScoped, RequirePermission, selectsField } from '@crm/platform';
import { ContactsPermission } from '../permissions';
import { DirectoryQueries } from './directory.queries';
import {
  CreateTeamInput, CreateUserInput, Team, TeamConnection, TeamFilter, TenantProfile, UpdateTeamInput, UpdateTenantProfileInput, UpdateUserInput, User, UserConnection, UserFilter,
} from './directory.types';
import { SetUserActive, UpdateUser } from './use-cases/update-user.use-case';
import { CreateUser } from './use-cases/create-user.use-case';
import { ArchiveTeam, CreateTeam, UpdateTeam } from './use-cases/team.use-cases';
import { UpdateTenantProfile } from './use-cases/update-tenant-profile.use-case';

function userLoader(queries: DirectoryQueries) {
  const { tenantId } = currentUser();
  return requestScoped(`user-loader:${tenantId}`, () => new DataLoader<string, User | null>((ids) => queries.users(tenantId, ids)));
}

@Resolver(() => User)
export class UsersResolver {
  constructor(
    private readonly queries: DirectoryQueries,
    private readonly createUserUseCase: CreateUser,
    private readonly updateUserUseCase: UpdateUser,
    private readonly setUserActiveUseCase: SetUserActive,
  ) {}

  @Query(() => User, { description: 'The signed-in user as the directory knows them (provisioned on their first request)' })
  @AnyUser('every signed-in user may see their own directory entry')
  async me() {
    return userLoader(this.queries).load(currentUser().userId);
  }

  @Query(() => User, { nullable: true })
  @RequirePermission(ContactsPermission['directory.read'])
  user(@Args('id', { type: () => ID }) id: string) {
    return userLoader(this.queries).load(id);
  }

  @Query(() => UserConnection, { description: 'The tenant’s users by name (A to Z)' })
  @RequirePermission(ContactsPermission['directory.read'])
  users(@Args() page: PageArgs, @Args('filter', { type: () => UserFilter, nullable: true }) filter: UserFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.userList(currentUser().tenantId, page, filter, selectsField(info, 'totalCount'));
  }

  @Mutation(() => User, {
    description: 'Puts a colleague in the directory before their first sign-in (id = their identity provider subject), so contacts and deals can be assigned to them; their sign-in keeps what is set here',
  })
  @RequirePermission(ContactsPermission['directory.write'])
  createUser(@Args('input') input: CreateUserInput) {
    return this.createUserUseCase.execute(currentUser(), input);
  }

  @Mutation(() => User)
  @RequirePermission(ContactsPermission['directory.write'])
  updateUser(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateUserInput) {
    return this.updateUserUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => User, { description: 'A deactivated user keeps what they own but cannot be named as a new owner' })
  @RequirePermission(ContactsPermission['directory.write'])
  setUserActive(@Args('id', { type: () => ID }) id: string, @Args('active', { type: () => Boolean }) active: boolean) {
    return this.setUserActiveUseCase.execute(currentUser(), id, active);
  }
}

@Resolver(() => Team)
export class TeamsResolver {
  constructor(
    private readonly queries: DirectoryQueries,
    private readonly createTeamUseCase: CreateTeam,
    private readonly updateTeamUseCase: UpdateTeam,
    private readonly archiveTeamUseCase: ArchiveTeam,
  ) {}

  @Query(() => Team, { nullable: true })
  @RequirePermission(ContactsPermission['directory.read'])
  async team(@Args('id', { type: () => ID }) id: string) {
    const [t] = await this.queries.teams(currentUser().tenantId, [id]);
    return t;
  }

  @Query(() => TeamConnection, { description: 'Active teams by name (A to Z)' })
  @RequirePermission(ContactsPermission['directory.read'])
  teams(@Args() page: PageArgs, @Args('filter', { type: () => TeamFilter, nullable: true }) filter: TeamFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.teamList(currentUser().tenantId, page, filter, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Team)
  @RequirePermission(ContactsPermission['directory.write'])
  createTeam(@Args('input') input: CreateTeamInput) {
    return this.createTeamUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Team, { description: 'Rename, change the lead, add or remove members' })
  @RequirePermission(ContactsPermission['directory.write'])
  updateTeam(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateTeamInput) {
    return this.updateTeamUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Team)
  @RequirePermission(ContactsPermission['directory.write'])
  archiveTeam(@Args('id', { type: () => ID }) id: string) {
    return this.archiveTeamUseCase.execute(currentUser(), id);
  }
}

@Resolver(() => TenantProfile)
export class TenantProfileResolver {
  constructor(
    private readonly queries: DirectoryQueries,
    private readonly updateTenantProfileUseCase: UpdateTenantProfile,
  ) {}

  @Query(() => TenantProfile, { nullable: true, description: 'Null until an admin sets it' })
  @RequirePermission(ContactsPermission['directory.read'])
  tenantProfile() {
    return this.queries.tenantProfile(currentUser().tenantId);
  }

  @Mutation(() => TenantProfile)
  @RequirePermission(ContactsPermission['tenant-profile.write'])
  updateTenantProfile(@Args('input') input: UpdateTenantProfileInput) {
    return this.updateTenantProfileUseCase.execute(currentUser(), input);
  }
}
