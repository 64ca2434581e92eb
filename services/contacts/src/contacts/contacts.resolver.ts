import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import { ContactsPermission } from '../permissions';
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, requestScoped, RequirePermission, selectsField } from '@crm/platform';
import { companyLoader } from '../companies/companies.resolver';
import { CompanyQueries } from '../companies/company.queries';
import { ExportContactData } from '../gdpr/use-cases/export-contact-data.use-case';
import { EditInteractionInput, InteractionConnection, LogInteractionInput, Interaction, TimelineFilter } from '../timeline/timeline.types';
import { DeleteInteraction } from '../timeline/use-cases/delete-interaction.use-case';
import { EditInteraction } from '../timeline/use-cases/edit-interaction.use-case';
import { LogInteraction } from '../timeline/use-cases/log-interaction.use-case';
import { TimelineQueries } from '../timeline/timeline.queries';
import { ContactQueries } from './contact.queries';
import { CreateContact } from './use-cases/create-contact.use-case';
import { EraseContact } from './use-cases/erase-contact.use-case';
import { MergeContacts } from './use-cases/merge-contacts.use-case';
import { SetConsent } from './use-cases/set-consent.use-case';
import { UpdateContact } from './use-cases/update-contact.use-case';
import { ArchiveContact, RestoreContact } from './use-cases/archive-contact.use-case';
import { BulkUpdateContacts } from './use-cases/bulk-update-contacts.use-case';
import { SetContactPoints } from './use-cases/set-contact-points.use-case';
import { BulkUpdateContactsInput, BulkUpdateContactsResult, MergeFieldChoices, SetContactEmailsInput, SetContactPhonesInput } from './contact.types';
import { Channel, Company, ConsentRecord, Contact, ContactErasure, ContactConnection, ContactFilter, ContactOrder, CreateContactInput, SetConsentInput, UpdateContactInput } from './contact.types';

@Resolver(() => Contact)
export class ContactsResolver {
  constructor(
    private readonly queries: ContactQueries,
    private readonly exportData: ExportContactData,
    private readonly createContactUseCase: CreateContact,
    private readonly updateContactUseCase: UpdateContact,
    private readonly mergeContactsUseCase: MergeContacts,
    private readonly eraseContactUseCase: EraseContact,
    private readonly setConsentUseCase: SetConsent,
    private readonly logInteractionUseCase: LogInteraction,
    private readonly timeline: TimelineQueries,
    private readonly companies: CompanyQueries,
    private readonly archiveContactUseCase: ArchiveContact,
    private readonly restoreContactUseCase: RestoreContact,
    private readonly setPoints: SetContactPoints,
    private readonly bulkUpdate: BulkUpdateContacts,
    private readonly editInteractionUseCase: EditInteraction,
    private readonly deleteInteractionUseCase: DeleteInteraction,
  ) {}

  private loader() {
    const { tenantId } = currentUser();
    return requestScoped(`contact-loader:${tenantId}`, () => new DataLoader<string, Contact | null>((ids) => this.queries.getMany(tenantId, ids)));
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
    return this.queries.list(currentUser().tenantId, page, filter ?? {}, orderBy, selectsField(info, 'totalCount'));
  }

  @Query(() => String, { description: 'GDPR access request: everything held about the contact, as a JSON document' })
  @RequirePermission(ContactsPermission['contact.access-request'])
  async exportContactData(@Args('id', { type: () => ID }) id: string) {
    return JSON.stringify(await this.exportData.execute(currentUser(), id));
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  createContact(@Args('input') input: CreateContactInput) {
    return this.createContactUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  updateContact(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateContactInput) {
    return this.updateContactUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Contact, { description: "The contact's emails as an ordered list (add, remove, re-order); the first is the primary" })
  @RequirePermission(ContactsPermission['contact.write'])
  setContactEmails(@Args('id', { type: () => ID }) id: string, @Args('input') input: SetContactEmailsInput) {
    return this.setPoints.setEmails(currentUser(), id, input);
  }

  @Mutation(() => Contact, { description: "The contact's phones as an ordered list (add, remove, re-order); the first is the primary" })
  @RequirePermission(ContactsPermission['contact.write'])
  setContactPhones(@Args('id', { type: () => ID }) id: string, @Args('input') input: SetContactPhonesInput) {
    return this.setPoints.setPhones(currentUser(), id, input);
  }

  @Mutation(() => Contact, { description: 'Archives the contact (soft delete: hidden from lists and search, still readable by id, restorable); not a GDPR erasure' })
  @RequirePermission(ContactsPermission['contact.archive'])
  archiveContact(@Args('id', { type: () => ID }) id: string) {
    return this.archiveContactUseCase.execute(currentUser(), id);
  }

  @Mutation(() => Contact, { description: 'Brings an archived contact back into lists and search' })
  @RequirePermission(ContactsPermission['contact.archive'])
  restoreContact(@Args('id', { type: () => ID }) id: string) {
    return this.restoreContactUseCase.execute(currentUser(), id);
  }

  @Mutation(() => BulkUpdateContactsResult, { description: 'Adds/removes tags, sets owner or lifecycle stage on the active contacts the filter matches (the contacts list filter), in bounded batches' })
  @RequirePermission(ContactsPermission['contact.bulk-update'])
  bulkUpdateContacts(@Args('filter', { type: () => ContactFilter }) filter: ContactFilter, @Args('input') input: BulkUpdateContactsInput) {
    return this.bulkUpdate.execute(currentUser(), filter, input);
  }

  @Mutation(() => Contact, { description: "Merges duplicateId into survivorId: the duplicate's emails, phones, consents and history move to the survivor" })
  @RequirePermission(ContactsPermission['contact.merge'])
  mergeContacts(
    @Args('survivorId', { type: () => ID }) survivorId: string,
    @Args('duplicateId', { type: () => ID }) duplicateId: string,
    @Args('keep', { type: () => MergeFieldChoices, nullable: true, description: "Per field, whose value survives (default: the survivor's)" }) keep?: MergeFieldChoices,
  ) {
    return this.mergeContactsUseCase.execute(currentUser(), survivorId, duplicateId, keep ?? {});
  }

  @Mutation(() => ContactErasure, { description: 'GDPR erasure in every deployed module; says until when copies remain in the event log' })
  @RequirePermission(ContactsPermission['contact.erase'])
  eraseContact(@Args('id', { type: () => ID }) id: string) {
    return this.eraseContactUseCase.execute(currentUser(), id);
  }

  @Mutation(() => Contact)
  @RequirePermission(ContactsPermission['contact.write'])
  setConsent(@Args('input') input: SetConsentInput) {
    return this.setConsentUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Interaction)
  @RequirePermission(ContactsPermission['contact.write'])
  logInteraction(@Args('input') input: LogInteractionInput) {
    return this.logInteractionUseCase.execute(currentUser(), input);
  }

  @Mutation(() => Interaction, { description: 'Corrects a logged interaction (its author, or a manager); the values before are kept in revisions' })
  @RequirePermission(ContactsPermission['contact.write'])
  editInteraction(@Args('id', { type: () => ID }) id: string, @Args('input') input: EditInteractionInput) {
    return this.editInteractionUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Interaction, { description: 'Removes a logged interaction from the timeline (its author, or a manager); returns it as it was' })
  @RequirePermission(ContactsPermission['contact.write'])
  deleteInteraction(@Args('id', { type: () => ID }) id: string) {
    return this.deleteInteractionUseCase.execute(currentUser(), id);
  }

  @ResolveField(() => Company, { nullable: true })
  company(@Parent() contact: Contact) {
    return contact.companyId ? companyLoader(this.companies).load(contact.companyId) : null;
  }

  @ResolveField(() => InteractionConnection, { description: 'Interaction history, newest first' })
  timelineEntries(
    @Parent() contact: Contact,
    @Args() page: PageArgs,
    @Args('filter', { type: () => TimelineFilter, nullable: true }) filter: TimelineFilter | undefined,
    @Info() info: GraphQLResolveInfo,
  ) {
    return this.timeline.page(currentUser().tenantId, contact.id, page, selectsField(info, 'totalCount'), filter ?? {});
  }

  @ResolveField(() => [ConsentRecord], { description: 'Every consent decision recorded (also those of contacts merged into this one), newest first; append-only evidence' })
  consentHistory(@Parent() contact: Contact, @Args('channel', { type: () => Channel, nullable: true }) channel?: Channel) {
    // Batched per request and channel: a list of contacts asking for their history is one query.
    const { tenantId } = currentUser();
    const ch = channel ?? null;
    return requestScoped(`consent-history:${tenantId}:${ch ?? '*'}`, () => new DataLoader<string, ConsentRecord[]>((ids) => this.queries.consentHistories(tenantId, ids, ch))).load(contact.id);
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}
