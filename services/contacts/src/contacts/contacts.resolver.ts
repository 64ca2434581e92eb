import { Readable } from 'node:stream';
import { Args, Field, ID, Info, Int, Mutation, ObjectType, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import { ContactsPermission } from '../permissions';
import DataLoader from 'dataloader';
import { stringify } from 'csv-stringify/sync';
import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, currentUser, MAX_FIRST, neutraliseCsvCell, PageArgs, requestScoped, RequirePermission, selectsField } from '@crm/platform';
import { CompaniesService } from '../companies/companies.service';
import { companyLoader } from '../companies/companies.resolver';
import { GdprService } from '../gdpr/gdpr.service';
import { ImportContactsUseCase } from '../imports/import-contacts.use-case';
import { InteractionConnection, LogInteractionInput, Interaction, TimelineService } from '../timeline/timeline.service';
import { ContactSearchService } from './contact-search.service';
import { ContactsService } from './contacts.service';
import { Channel, Company, ConsentRecord, Contact, ContactErasure, ContactConnection, ContactFilter, ContactOrder, CreateContactInput, SetConsentInput, UpdateContactInput } from './contact.types';
import { ContactsSchemaScope } from '../schema-scope';

@ObjectType({ registerIn: ContactsSchemaScope })
class ImportRowError {
  @Field(() => Int, { description: 'Line in the CSV file' }) row: number;
  @Field() message: string;
}

@ObjectType({ registerIn: ContactsSchemaScope })
class ImportReport {
  @Field(() => ID) jobId: string;
  @Field(() => Int) rows: number;
  @Field(() => Int) created: number;
  @Field(() => Int, { description: 'Rows already imported by an earlier run' }) skipped: number;
  @Field(() => Int) failed: number;
  @Field(() => [ImportRowError]) errors: ImportRowError[];
}

/** Largest CSV accepted inline through GraphQL; bigger files go through `pnpm crm import contacts FILE`. */
const MAX_INLINE_CSV = 5 * 1024 * 1024;

@Resolver(() => Contact)
export class ContactsResolver {
  constructor(
    private readonly contactService: ContactsService,
    private readonly search: ContactSearchService,
    private readonly companies: CompaniesService,
    private readonly timeline: TimelineService,
    private readonly gdpr: GdprService,
    private readonly importer: ImportContactsUseCase,
  ) {}

  private loader() {
    const { tenantId } = currentUser();
    return requestScoped(`contact-loader:${tenantId}`, () => new DataLoader<string, Contact | null>((ids) => this.contactService.getMany(tenantId, ids)));
  }

  @Query(() => Contact, { nullable: true, description: 'A contact by id (also merged and erased ones, flagged as such)' })
  @RequirePermission(ContactsPermission['contact.read'])
  contact(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => ContactConnection, { description: 'Active contacts: search, filter, sort, cursor pagination' })
  @RequirePermission(ContactsPermission['contact.read'])
  contacts(
    @Args() page: PageArgs,
    @Args('filter', { type: () => ContactFilter, nullable: true }) filter: ContactFilter | undefined,
    @Args('orderBy', { type: () => ContactOrder, nullable: true, defaultValue: ContactOrder.CREATED_AT_DESC }) orderBy: ContactOrder | undefined,
    @Info() info: GraphQLResolveInfo,
  ) {
    return this.search.list(currentUser(), page, filter ?? {}, orderBy, selectsField(info, 'totalCount'));
  }

  @Query(() => String, { description: 'GDPR access request: everything held about the contact, as a JSON document' })
  @RequirePermission(ContactsPermission['contact.access-request'])
  async exportContactData(@Args('id', { type: () => ID }) id: string) {
    return JSON.stringify(await this.gdpr.export(currentUser(), id));
  }

  @Query(() => String, { description: 'Contacts matching the filter as CSV (up to 10,000 rows; same columns the import reads)' })
  @RequirePermission(ContactsPermission['contact.export'])
  async exportContactsCsv(@Args('filter', { type: () => ContactFilter, nullable: true }) filter?: ContactFilter) {
    const ctx = currentUser();
    const rows: Contact[] = [];
    let after: string | undefined;
    do {
      const page = await this.search.list(ctx, { first: MAX_FIRST, after }, filter ?? {}, undefined, false);
      rows.push(...page.edges.map((e) => e.node));
      after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
    } while (after && rows.length < 10000);
    const companies = await this.companies.getMany(ctx.tenantId, rows.map((r) => r.companyId).filter((id): id is string => !!id));
    const names = new Map(companies.filter((c): c is Company => !!c).map((c) => [c.id, c.name]));
    return stringify(
      // Every cell neutralised against spreadsheet formula injection; the import strips the guard again.
      rows.map((c) => [c.id, c.firstName, c.lastName, c.email, c.phone, c.companyId ? names.get(c.companyId) : '', c.tags.join(';'), c.lifecycleStage, c.ownerId].map(neutraliseCsvCell)),
      { header: true, columns: ['id', 'firstName', 'lastName', 'email', 'phone', 'company', 'tags', 'lifecycleStage', 'ownerId'] },
    );
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  createContact(@Args('input') input: CreateContactInput) {
    return this.contactService.create(currentUser(), input);
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  updateContact(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateContactInput) {
    return this.contactService.update(currentUser(), id, input);
  }

  @Mutation(() => Contact, { description: "Merges duplicateId into survivorId: the duplicate's emails, phones, consents and history move to the survivor" })
  @RequirePermission(ContactsPermission['contact.merge'])
  mergeContacts(@Args('survivorId', { type: () => ID }) survivorId: string, @Args('duplicateId', { type: () => ID }) duplicateId: string) {
    return this.contactService.merge(currentUser(), survivorId, duplicateId);
  }

  @Mutation(() => ContactErasure, { description: 'GDPR erasure in every deployed module; says until when copies remain in the event log' })
  @RequirePermission(ContactsPermission['contact.erase'])
  eraseContact(@Args('id', { type: () => ID }) id: string) {
    return this.contactService.erase(currentUser(), id);
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  setConsent(@Args('input') input: SetConsentInput) {
    return this.contactService.setConsent(currentUser(), input);
  }

  @Mutation(() => Interaction)
  @RequirePermission(ContactsPermission['contact.write'])
  logInteraction(@Args('input') input: LogInteractionInput) {
    return this.timeline.log(currentUser(), input);
  }

  @Mutation(() => ImportReport, { description: 'Imports contacts from CSV text (columns: firstName,lastName,email,phone,company,tags,lifecycleStage,ownerId)' })
  @RequirePermission(ContactsPermission['contact.import'])
  importContactsCsv(@Args('csv') csv: string, @Args('defaultCountry', { type: () => String, nullable: true }) defaultCountry?: string) {
    if (csv.length > MAX_INLINE_CSV) throw badUserInput(`csv: larger than ${MAX_INLINE_CSV} bytes; use \`pnpm crm import contacts FILE.csv\` for big files`);
    return this.importer.run(currentUser(), Readable.from([csv]), { defaultCountry: defaultCountry ?? undefined });
  }

  @ResolveField(() => Company, { nullable: true })
  company(@Parent() contact: Contact) {
    return contact.companyId ? companyLoader(this.companies).load(contact.companyId) : null;
  }

  @ResolveField(() => InteractionConnection, { description: 'Interaction history, newest first' })
  timelineEntries(@Parent() contact: Contact, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    return this.timeline.page(currentUser().tenantId, contact.id, page, selectsField(info, 'totalCount'));
  }

  @ResolveField(() => [ConsentRecord], { description: 'Every consent decision recorded (also those of contacts merged into this one), newest first; append-only evidence' })
  consentHistory(@Parent() contact: Contact, @Args('channel', { type: () => Channel, nullable: true }) channel?: Channel) {
    // Batched per request and channel: a list of contacts asking for their history is one query.
    const { tenantId } = currentUser();
    const ch = channel ?? null;
    return requestScoped(`consent-history:${tenantId}:${ch ?? '*'}`, () => new DataLoader<string, ConsentRecord[]>((ids) => this.contactService.consentHistories(tenantId, ids, ch))).load(contact.id);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}
