import { Field, ID, Int } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

/** The platform's roles as the directory records them (GraphQL spelling; the value is the token's role name). */
export enum DirectoryRole {
  ADMIN = 'admin',
  MANAGER = 'manager',
  REP = 'rep',
  READ_ONLY = 'read-only',
  DPO = 'dpo',
}
registerEnumType(DirectoryRole, { name: 'DirectoryRole', description: 'A role a user holds (the same list the identity provider puts in the token).' });

@ObjectType({ description: 'A user of the tenant: provisioned on their first request from the token (or created ahead of it by an admin), edited by an admin.' })
export class User {
  @Field(() => ID, { description: 'The identity provider’s subject (`sub`)' }) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) email: string | null;
  @Field() active: boolean;
  @Field(() => String, { nullable: true, description: 'IANA time zone; null = the tenant profile’s' }) timeZone: string | null;
  @Field(() => String, { nullable: true, description: 'BCP 47 locale; null = the tenant profile’s' }) locale: string | null;
  @Field(() => [DirectoryRole], { description: 'What the directory records; authorization itself uses the token’s roles' }) roles: DirectoryRole[];
  @Field({ description: 'Created by an admin (createUser) and not signed in yet' }) awaitingSignIn: boolean;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
export const UserConnection = Connection(User);

@ObjectType()
export class Team {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => User, { nullable: true }) lead: User | null;
  @Field(() => [User], { description: 'By name; a bounded list (a team is a handful of people)' }) members: User[];
  @Field() archived: boolean;
  @Field(() => Int) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
export const TeamConnection = Connection(Team);

@ObjectType()
export class TenantAddress {
  @Field(() => String, { nullable: true }) line1: string | null;
  @Field(() => String, { nullable: true }) line2: string | null;
  @Field(() => String, { nullable: true }) city: string | null;
  @Field(() => String, { nullable: true }) region: string | null;
  @Field(() => String, { nullable: true }) postalCode: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2' }) country: string | null;
}

@ObjectType({ description: 'Who the CRM speaks for: printed on quotes and documents, the default for currency, time zone and locale.' })
export class TenantProfile {
  @Field(() => String, { nullable: true }) legalName: string | null;
  @Field(() => TenantAddress, { nullable: true }) address: TenantAddress | null;
  @Field(() => String, { nullable: true }) vatId: string | null;
  @Field(() => String, { nullable: true, description: 'An https URL or a small data: URL of an image' }) logoUrl: string | null;
  @Field({ description: 'ISO 4217' }) defaultCurrency: string;
  @Field({ description: 'IANA time zone' }) timeZone: string;
  @Field({ description: 'BCP 47' }) locale: string;
  @Field(() => Int, { description: '1 = January' }) fiscalYearStartMonth: number;
  @Field(() => Int) version: number;
  @Field() updatedAt: Date;
}

@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true, description: 'Part of the name or email' }) search?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Only active (true) or deactivated (false) users; both when left out' }) active?: boolean | null;
  @Field(() => ID, { nullable: true, description: 'Members of this team' }) teamId?: string | null;
}

@InputType({ description: 'A user created before their first sign-in; on it, what is set here stays and the token fills in only what is left empty (email, time zone, locale).' })
export class CreateUserInput {
  @Field(() => ID, { description: 'The identity provider’s subject (`sub`) the user will sign in with' }) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone' }) timeZone?: string | null;
  @Field(() => String, { nullable: true, description: 'BCP 47' }) locale?: string | null;
  @Field(() => [DirectoryRole]) roles: DirectoryRole[];
  @Field(() => ID, { nullable: true, description: 'An active team the user joins' }) teamId?: string | null;
}

@InputType({ description: 'Fields left out stay as they are; null clears a nullable field.' })
export class UpdateUserInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) timeZone?: string | null;
  @Field(() => String, { nullable: true }) locale?: string | null;
  @Field(() => [DirectoryRole], { nullable: true }) roles?: DirectoryRole[];
}

@InputType()
export class TeamFilter {
  @Field(() => String, { nullable: true, description: 'Part of the name' }) search?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Include archived teams (default false)' }) includeArchived?: boolean | null;
}

@InputType()
export class CreateTeamInput {
  @Field() name: string;
  @Field(() => ID, { nullable: true, description: 'A user of the tenant; becomes a member too' }) leadId?: string | null;
  @Field(() => [ID], { nullable: true }) memberIds?: string[];
}

@InputType({ description: 'Fields left out stay as they are.' })
export class UpdateTeamInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => ID, { nullable: true, description: 'null: no lead' }) leadId?: string | null;
  @Field(() => [ID], { nullable: true }) addMemberIds?: string[];
  @Field(() => [ID], { nullable: true, description: 'The lead cannot be removed while lead' }) removeMemberIds?: string[];
}

@InputType()
export class TenantAddressInput {
  @Field(() => String, { nullable: true }) line1?: string | null;
  @Field(() => String, { nullable: true }) line2?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2' }) country?: string | null;
}

@InputType({ description: 'Fields left out stay as they are (the first time: EUR, UTC, en, January); null clears a nullable field.' })
export class UpdateTenantProfileInput {
  @Field(() => String, { nullable: true }) legalName?: string | null;
  @Field(() => TenantAddressInput, { nullable: true }) address?: TenantAddressInput | null;
  @Field(() => String, { nullable: true }) vatId?: string | null;
  @Field(() => String, { nullable: true, description: 'https URL (at most 2048 characters) or data:image/…;base64 URL (at most 64 KB)' }) logoUrl?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO 4217' }) defaultCurrency?: string;
  @Field(() => String, { nullable: true, description: 'IANA time zone' }) timeZone?: string;
  @Field(() => String, { nullable: true, description: 'BCP 47' }) locale?: string;
  @Field(() => Int, { nullable: true, description: '1 = January … 12' }) fiscalYearStartMonth?: number;
}
