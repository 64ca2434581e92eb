import { Args, Field, ID, Info, Mutation, Query, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ContactsPermission } from '../permissions';
import DataLoader from 'dataloader';
import { currentUser, PageArgs, requestScoped, RequirePermission, selectsField } from '@crm/platform';
import { Company } from '../contacts/contact.types';
import { CreateCompany } from './use-cases/create-company.use-case';
import { UpdateCompany } from './use-cases/update-company.use-case';
import { CompanyQueries } from './company.queries';
import { Connection, InputType } from '../schema-scope';

@InputType()
class CreateCompanyInput {
  @Field() name: string;
  @Field(() => [String], { nullable: true }) domains?: string[];
}

@InputType()
class UpdateCompanyInput {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => [String], { nullable: true }) domains?: string[];
}

@InputType()
class CompanyFilter {
  @Field(() => String, { nullable: true, description: 'Part of the name, or one of the domains exactly' }) search?: string | null;
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
  ) {}

  @Query(() => Company, { nullable: true })
  @RequirePermission(ContactsPermission['contact.read'])
  company(@Args('id', { type: () => ID }) id: string) {
    return companyLoader(this.queries).load(id);
  }

  @Query(() => CompanyConnection, { description: 'Companies by name (A to Z), filtered by name or domain' })
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

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return companyLoader(this.queries).load(ref.id);
  }
}
