import { Injectable } from '@nestjs/common';
import { badUserInput, conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { CompanyRepository } from '../../companies/company.repository';
import { CustomFieldRepository } from '../../custom-fields/custom-field.repository';
import { coerceCustomFields } from '../../custom-fields/custom-field.values';
import { canonicalId, contactFieldsSchema, dedupeSocialHandles, dedupeTags, displayNameOf, dropNulls, normaliseContactPoints } from '../contact-input';
import { emitContactUpdated } from '../contact.events';
import { ContactGuards, raceAsConflict } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository, EMAILS, PHONES } from '../contact.repository';
import type { Contact, UpdateContactInput } from '../contact.types';
import { usableCompanyName } from './create-contact.use-case';
import { OwnerRule } from '../../directory/owner-rule';

// Further emails and phones are added one at a time through `email` / `phone`.
const updateContactSchema = contactFieldsSchema
  .omit({ otherEmails: true, otherPhones: true })
  .superRefine((f, ctx) => {
    // A blank value would change nothing while reporting a change: null is how the primary one is removed.
    for (const k of ['email', 'phone'] as const) if (typeof f[k] === 'string' && !f[k].trim()) ctx.addIssue({ code: 'custom', path: [k], message: 'must not be blank (null removes it)' });
  })
  .transform(normaliseContactPoints);

@Injectable()
export class UpdateContact {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly companies: CompanyRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
    private readonly owners: OwnerRule,
  ) {}

  async execute(ctx: RequestContext, rawId: string, input: UpdateContactInput): Promise<Contact> {
    const id = canonicalId(rawId);
    const f = parseInput(updateContactSchema, input, 'input');
    const changed = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined && k !== 'phoneCountry');
    if (!changed.length) throw badUserInput('nothing to update: the input has no fields');
    // The new primary email and phone, if given (null removes the primary one).
    const [email] = f.emails;
    const [phone] = f.phones;
    return raceAsConflict(() =>
      this.uow.run(ctx.tenantId, async (tx) => {
        const current = await this.guards.lockEditable(tx, id);
        if (email) await this.guards.assertNoDuplicates(tx, [email.normalized], [], id);
        if (phone) await this.guards.assertNoDuplicates(tx, [], [phone.normalized], id);
        await this.owners.require(tx, [{ field: 'input.ownerId', ownerId: f.ownerId }]);
        if (f.companyId) usableCompanyName(f.companyId, await this.companies.nameOf(tx, f.companyId));
        const customFields = f.customFields?.length
          ? dropNulls({ ...current.custom_fields, ...coerceCustomFields(await this.customFields.definitions(tx), f.customFields) })
          : undefined;
        await this.contacts.update(tx, id, {
          first_name: f.firstName,
          last_name: f.lastName,
          company_id: f.companyId,
          owner_id: f.ownerId,
          lifecycle_stage: f.lifecycleStage,
          source: f.source === undefined ? undefined : f.source ? JSON.stringify(f.source) : null,
          tags: f.tags === undefined ? undefined : dedupeTags(f.tags),
          preferred_channels: f.preferredChannels,
          addresses: f.addresses === undefined ? undefined : JSON.stringify(f.addresses),
          social_handles: f.socialHandles === undefined ? undefined : JSON.stringify(dedupeSocialHandles(f.socialHandles)),
          time_zone: f.timeZone,
          custom_fields: customFields === undefined ? undefined : JSON.stringify(customFields),
        });
        for (const [table, value] of [[EMAILS, email], [PHONES, phone]] as const) {
          if (!value) continue;
          const holder = await this.contacts.setPrimary(tx, table, id, value);
          // Another contact took this value between the duplicate check and here: its row was not touched.
          if (holder && holder !== id) {
            throw conflict(`a contact with ${table === PHONES ? 'phone' : 'email'} ${value.normalized} already exists: ${holder}; update it or merge the two`, { existingContactId: holder });
          }
        }
        if (f.email === null) await this.contacts.deletePrimary(tx, EMAILS, id);
        if (f.phone === null) await this.contacts.deletePrimary(tx, PHONES, id);
        if (f.email === null || f.phone === null) await this.contacts.ensurePrimary(tx, id);
        const after = (await this.contacts.find(tx, id))!;
        await this.contacts.finishChange(tx, id, displayNameOf({ firstName: after.first_name, lastName: after.last_name }, after.emails[0]?.email, after.phones[0]?.e164));
        await this.contacts.refreshSearchText(tx, [id]);
        const row = (await this.contacts.find(tx, id))!;
        await emitContactUpdated(tx, row, changed);
        return this.presenter.one(tx, row);
      }),
    );
  }
}
