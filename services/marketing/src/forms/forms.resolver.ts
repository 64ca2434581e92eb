import { Inject } from '@nestjs/common';
import { Args, ID, Info, Mutation, Parent, Query, ResolveField, Resolver, ResolveReference } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, PageArgs, PLATFORM_CONFIG, RequirePermission, selectsField } from '@crm/platform';
import { contactReference } from '@crm/shared-contacts';
import { tenantLoader } from '../common/loaders';
import { MarketingContact } from '../contacts/contact.graphql';
import { MarketingPermission } from '../permissions';
import { submitUrl, type CaptureConfig } from './capture.config';
import { embedHtml } from './embed-html';
import { FormQueries } from './form.queries';
import { CreateFormInput, Form, FormSubmission, FormSubmissionConnection, UpdateFormInput } from './form.types';
import { ArchiveForm } from './use-cases/archive-form.use-case';
import { CreateForm } from './use-cases/create-form.use-case';
import { UpdateForm } from './use-cases/update-form.use-case';

@Resolver(() => Form)
export class FormsResolver {
  constructor(
    private readonly queries: FormQueries,
    private readonly createForm_: CreateForm,
    private readonly updateForm_: UpdateForm,
    private readonly archiveForm_: ArchiveForm,
    @Inject(PLATFORM_CONFIG) private readonly config: CaptureConfig,
  ) {}

  private loader() {
    return tenantLoader<string, Form | null>('form', (t, ids) => this.queries.byIds(t, ids));
  }

  @Query(() => Form, { nullable: true })
  @RequirePermission(MarketingPermission['form.read'])
  form(@Args('id', { type: () => ID }) id: string) {
    return this.loader().load(id);
  }

  @Query(() => [Form], { description: 'The tenant’s web forms, newest first (a configuration list: plain, not paginated)' })
  @RequirePermission(MarketingPermission['form.read'])
  forms(@Args('includeArchived', { nullable: true, defaultValue: false }) includeArchived: boolean) {
    return this.queries.list(currentUser().tenantId, includeArchived);
  }

  @Query(() => FormSubmissionConnection, { description: 'A form’s submissions, newest first' })
  @RequirePermission(MarketingPermission['form.read'])
  formSubmissions(@Args('formId', { type: () => ID }) formId: string, @Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    return this.queries.submissions(currentUser().tenantId, formId, page, selectsField(info, 'totalCount'));
  }

  @Mutation(() => Form, { description: 'A web form; BAD_USER_INPUT naming each bad field (a consent text is required)' })
  @RequirePermission(MarketingPermission['form.write'])
  createForm(@Args('input') input: CreateFormInput) {
    return this.createForm_.execute(currentUser(), input);
  }

  @Mutation(() => Form)
  @RequirePermission(MarketingPermission['form.write'])
  updateForm(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateFormInput) {
    return this.updateForm_.execute(currentUser(), id, input);
  }

  @Mutation(() => Form, { description: 'The form stops taking submissions; its submissions stay' })
  @RequirePermission(MarketingPermission['form.write'])
  archiveForm(@Args('id', { type: () => ID }) id: string) {
    return this.archiveForm_.execute(currentUser(), id);
  }

  @ResolveField(() => String, { description: 'POST urlencoded or JSON here: no sign-in' })
  submitUrl(@Parent() f: Form) {
    return submitUrl(this.config, f.publicKey);
  }

  @ResolveField(() => String, { description: 'An HTML snippet to paste into a page: the form, hidden UTM inputs filled from the page URL, the honeypot' })
  embedHtml(@Parent() f: Form) {
    return embedHtml(f, submitUrl(this.config, f.publicKey));
  }

  @ResolveReference()
  resolveReference(ref: { id: string }) {
    return this.loader().load(ref.id);
  }
}

@Resolver(() => FormSubmission)
export class FormSubmissionResolver {
  @ResolveField(() => MarketingContact, { nullable: true, description: 'Null once the person was erased' })
  contact(@Parent() s: FormSubmission) {
    return s.contactId ? contactReference(s.contactId) : null;
  }
}
