import { Args, Field, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ContactsPermission } from '../permissions';
import DataLoader from 'dataloader';
import { currentUser, PageArgs, requestScoped, RequirePermission, selectsField } from '@crm/platform';
import { ContactQueries } from '../contacts/contact.queries';
import { AddressInput, Company, CompanySize, ContactConnection, ContactOrder, CustomFieldInput } from '../contacts/contact.types';
import { MergeCompanies } from './use-cases/merge-companies.use-case';
import { CreateCompany } from './use-cases/create-company.use-case';
import { UpdateCompany } from './use-cases/update-company.use-case';
import { CompanyQueries } from './company.queries';
import { Connection, InputType } from '../schema-scope';

@InputType()
class CreateCompanyInput {
  @Field() name: string;
  @Field(() => [String], { nullable: true, description: 'Each may belong to one company only' }) domains?: string[];
  @Field(() => String, { nullable: true }) legalName?: string;
  @Field(() => String, { nullable: true }) industry?: string;
  @Field(() => CompanySize, { nullable: true }) size?: CompanySize;
  @Field(() => AddressInput, { nullable: true }) address?: AddressInput;
  @Field(() => String, { nullable: true }) vatId?: string;
  @Field(() => String, { nullable: true, description: 'Defaults to the creating user' }) ownerId?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [CustomFieldInput], { nullable: true }) customFields?: CustomFieldInput[];
}

@InputType({ description: 'Fields left out stay as they are; null clears an optional field.' })
class UpdateCompanyInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => [String], { nullable: true, description: 'Replaces the list; each may belong to one company only' }) domains?: string[];
  @Field(() => String, { nullable: true }) legalName?: string | null;
  @Field(() => String, { nullable: true }) industry?: string | null;
  @Field(() => CompanySize, { nullable: true }) size?: CompanySize | null;
  @Field(() => AddressInput, { nullable: true }) address?: AddressInput | null;
  @Field(() => String, { nullable: true }) vatId?: string | null;
  @Field(() => String, { nullable: true }) ownerId?: string | null;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [CustomFieldInput], { nullable: true, description: 'Null value clears that field' }) customFields?: CustomFieldInput[];
}

@InputType()
export class CompanyFilter {
  @Field(() => String, { nullable: true, description: 'Part of the name, or one of the domains exactly' }) search?: string | null;
  @Field(() => ID, { nullable: true, description: 'Companies owned by a member of this team' }) teamId?: string | null;
}

const CompanyConnection = Connection(Company);

export function companyLoader(companies: CompanyQueries) {
  const user = currentUser();
  return requestScoped(`company-loader:${user.tenantId}`, () => new DataLoader<string, Company | null>((ids) => companies.getMany(user.tenantId, ids)));
}

@Resolver(() => Company)
export class CompaniesResolver {
  constructor(
    private readonly queries: CompanyQueries,
    private readonly createCompanyUseCase: CreateCompany,
    private readonly updateCompanyUseCase: UpdateCompany,
    private readonly mergeCompaniesUseCase: MergeCompanies,
    private readonly contactQueries: ContactQueries,
  ) {}

  @Query(() => Company, { nullable: true })
  @RequirePermission(ContactsPermission['contact.read'])
  company(@Args('id', { type: () => ID }) id: string) {
    return companyLoader(this.queries).load(id);
  }

  @Query(() => CompanyConnection, { description: 'Active companies by name (A to Z), filtered by name or domain' })
  @RequirePermission(ContactsPermission['contact.read'])
  companies(@Args() page: PageArgs, @Args('filter', { type: () => CompanyFilter, nullable: true }) filter: CompanyFilter | undefined, @Info() info: GraphQLResolveInfo) {
    return this.queries.list(currentUser().tenantId, page, filter ?? {}, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Company)
  @RequirePermission(ContactsPermission['contact.write'])
  createCompany(@Args('input') input: CreateCompanyInput) {
    return this.createCompanyUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Company)
  @RequirePermission(ContactsPermission['contact.write'])
  updateCompany(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateCompanyInput) {
    return this.updateCompanyUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Company, { description: "Merges duplicateId into survivorId: the duplicate's contacts, domains and tags move to the survivor; the duplicate stays as a tombstone (mergedIntoId)" })
  @RequirePermission(ContactsPermission['company.merge'])
  mergeCompanies(@Args('survivorId', { type: () => ID }) survivorId: string, @Args('duplicateId', { type: () => ID }) duplicateId: string) {
    return this.mergeCompaniesUseCase.execute(currentUser(), survivorId, duplicateId);
  }

  @ResolveField(() => ContactConnection, { description: "The company's active contacts (the contacts list with filter companyId)" })
  contacts(
    @Parent() company: Company,
    @Args() page: PageArgs,
    @Args('orderBy', { type: () => ContactOrder, nullable: true, defaultValue: ContactOrder.DISPLAY_NAME_ASC }) orderBy: ContactOrder | undefined,
    @Info() info: GraphQLResolveInfo,
  ) {
    return this.contactQueries.list(currentUser().tenantId, page, { companyId: company.id }, orderBy, selectsField(info, 'totalCount'));
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return companyLoader(this.queries).load(ref.id);
  }
}
