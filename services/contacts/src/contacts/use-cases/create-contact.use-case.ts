import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type { z } from 'zod';
import { badUserInput, parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { CompanyRepository } from '../../companies/company.repository';
import { CustomFieldRepository } from '../../custom-fields/custom-field.repository';
import { coerceCustomFields } from '../../custom-fields/custom-field.values';
import { contactFieldsSchema, dedupeSocialHandles, dedupeTags, displayNameOf, dropNulls, normaliseContactPoints } from '../contact-input';
import { emitContactCreated } from '../contact.events';
import { ContactGuards, raceAsConflict } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository } from '../contact.repository';
import { searchTextOf, type ContactRow } from '../contact.rows';
import type { Contact, CreateContactInput } from '../contact.types';
import { OwnerRule } from '../../directory/owner-rule';

const createContactSchema = contactFieldsSchema.transform(normaliseContactPoints);
type CreateContactFields = z.output<typeof createContactSchema>;

/**
 * The create hot path, four round trips in all: BEGIN + tenant, company/custom-field checks only
 * when used, one statement for the row with its emails and phones, the outbox row (COMMIT); the
 * response and the event snapshot are built from what was written instead of reading it back.
 */
@Injectable()
export class CreateContact {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly companies: CompanyRepository,
    private readonly customFields: CustomFieldRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
    private readonly owners: OwnerRule,
  ) {}

  async execute(ctx: RequestContext, input: CreateContactInput): Promise<Contact> {
    const f = parseInput(createContactSchema, input, 'input');
    try {
      return await raceAsConflict(() =>
        this.uow.run(ctx.tenantId, async (tx) => this.presenter.one(tx, await this.insert(tx, ctx, f))),
      );
    } catch (err) {
      if (!(err instanceof GraphQLError && err.extensions.code === 'CONFLICT' && err.extensions.race)) throw err;
      // The unique index caught a duplicate (the hot path does not look first): name the existing contact.
      await this.uow.run(ctx.tenantId, (tx) => this.guards.assertNoDuplicates(tx, f.emails.map((e) => e.normalized), f.phones.map((p) => p.normalized)));
      throw err;
    }
  }

  private async insert(tx: Tx, ctx: RequestContext, f: CreateContactFields): Promise<ContactRow> {
    await this.owners.require(tx, [{ field: 'input.ownerId', ownerId: f.ownerId }]);
    const { emails, phones } = f;
    const companyName = f.companyId ? await this.companyName(tx, f.companyId) : null;
    const custom = dropNulls(f.customFields?.length ? coerceCustomFields(await this.customFields.definitions(tx), f.customFields) : {});
    const id = randomUUID();
    const displayName = displayNameOf(f, emails[0]?.raw, phones[0]?.normalized);
    const source = f.source ? (JSON.parse(JSON.stringify(f.source)) as Record<string, string | null>) : null;
    const addresses = JSON.parse(JSON.stringify(f.addresses ?? [])) as Record<string, string | null>[];
    const tags = dedupeTags(f.tags ?? []);
    const socialHandles = dedupeSocialHandles(f.socialHandles ?? []);
    const ownerId = f.ownerId ?? ctx.userId;
    const preferredChannels = f.preferredChannels ?? [];
    const written = await this.contacts.insert(tx, {
      id, firstName: f.firstName ?? null, lastName: f.lastName ?? null, displayName, companyId: f.companyId ?? null, ownerId,
      lifecycleStage: f.lifecycleStage ?? null, source, tags, preferredChannels, customFields: custom, addresses, socialHandles, timeZone: f.timeZone ?? null,
      searchText: searchTextOf({ firstName: f.firstName, lastName: f.lastName, displayName, emails: emails.map((e) => e.normalized), phones: phones.map((p) => p.normalized), companyName }),
      emails, phones,
    });
    // Same order ContactRepository.find uses: primary first, then by normalised value.
    const byPrimaryThen = <T extends { primary: boolean }>(key: (x: T) => string) => (a: T, b: T) => Number(b.primary) - Number(a.primary) || key(a).localeCompare(key(b));
    const row: ContactRow = {
      id, tenant_id: ctx.tenantId, first_name: f.firstName ?? null, last_name: f.lastName ?? null, display_name: displayName,
      company_id: f.companyId ?? null, owner_id: ownerId, lifecycle_stage: f.lifecycleStage ?? null, source, tags,
      preferred_channels: preferredChannels, custom_fields: custom, addresses, social_handles: socialHandles, time_zone: f.timeZone ?? null, merged_into: null, erased_at: null, archived_at: null, version: 1,
      created_at: written.created_at, updated_at: written.updated_at, company_name: companyName, consents: [],
      emails: emails.map((e, i) => ({ email: e.raw, normalized: e.normalized, primary: i === 0 })).sort(byPrimaryThen((x) => x.normalized)),
      phones: phones.map((p, i) => ({ phone: p.raw, e164: p.normalized, primary: i === 0 })).sort(byPrimaryThen((x) => x.e164)),
    };
    await emitContactCreated(tx, row);
    return row;
  }

  /** An unknown company inside the input names the field (BAD_USER_INPUT). */
  private async companyName(tx: Tx, companyId: string): Promise<string> {
    return usableCompanyName(companyId, await this.companies.nameOf(tx, companyId));
  }
}

/** A company a contact may be linked to: it exists and was not merged away (the error names the survivor). */
export function usableCompanyName(companyId: string, found: { name: string; merged_into: string | null } | undefined): string {
  if (!found) throw badUserInput(`input.companyId: company ${companyId} does not exist`, { fields: [{ field: 'input.companyId', message: 'unknown company' }] });
  if (found.merged_into) {
    throw badUserInput(`input.companyId: company ${companyId} was merged into ${found.merged_into}; use that company`, {
      fields: [{ field: 'input.companyId', message: `merged into ${found.merged_into}` }],
      mergedIntoId: found.merged_into,
    });
  }
  return found.name;
}
