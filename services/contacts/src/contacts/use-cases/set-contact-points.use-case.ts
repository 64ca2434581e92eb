import { Injectable } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { conflict, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { normaliseEmail, normalisePhone } from '@crm/shared-contacts';
import { canonicalId, displayNameOf, LIMITS, type Normalised } from '../contact-input';
import { emitContactUpdated } from '../contact.events';
import { ContactGuards, raceAsConflict } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository, EMAILS, PHONES } from '../contact.repository';
import type { Contact } from '../contact.types';

/** Each value normalised; a bad one is an issue on its own index (`input.emails[2]`); repeats are dropped, the first kept. */
function normalisedList(values: string[], field: string, normalise: (v: string) => string | null, what: string, ctx: z.RefinementCtx): Normalised[] {
  const out: Normalised[] = [];
  values.forEach((v, i) => {
    const normalized = v.trim() ? normalise(v) : null;
    if (!normalized) ctx.addIssue({ code: 'custom', path: [field, i], message: `"${v.slice(0, 80)}" is not a valid ${what}` });
    else if (!out.some((o) => o.normalized === normalized)) out.push({ raw: v.trim(), normalized });
  });
  return out;
}

const setEmailsSchema = z
  .object({ emails: z.array(z.string().max(320, 'must be at most 320 characters')).max(LIMITS.emails, `at most ${LIMITS.emails} emails`) })
  .transform((f, ctx) => ({ emails: normalisedList(f.emails, 'emails', (v) => normaliseEmail(v), 'email address', ctx) }));

const setPhonesSchema = z
  .object({
    phones: z.array(z.string().max(40, 'must be at most 40 characters')).max(LIMITS.phones, `at most ${LIMITS.phones} phones`),
    phoneCountry: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code').nullish(),
  })
  .transform((f, ctx) => {
    const country = (f.phoneCountry?.toUpperCase() as CountryCode | undefined) ?? 'US';
    return { phones: normalisedList(f.phones, 'phones', (v) => normalisePhone(v, country), 'phone number (use +<country code>… or set phoneCountry)', ctx) };
  });

/**
 * The contact's emails or phones as a whole ordered list: add, remove and re-order in one call.
 * The first is the primary; an empty list removes them all. The duplicate rule applies: a value
 * another contact holds is a CONFLICT naming that contact, and nothing is written.
 */
@Injectable()
export class SetContactPoints {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
  ) {}

  setEmails(ctx: RequestContext, rawId: string, input: { emails: string[] }): Promise<Contact> {
    const { emails } = parseInput(setEmailsSchema, input, 'input');
    return this.replace(ctx, canonicalId(rawId), 'emails', emails);
  }

  setPhones(ctx: RequestContext, rawId: string, input: { phones: string[]; phoneCountry?: string | null }): Promise<Contact> {
    const { phones } = parseInput(setPhonesSchema, input, 'input');
    return this.replace(ctx, canonicalId(rawId), 'phones', phones);
  }

  private replace(ctx: RequestContext, id: string, kind: 'emails' | 'phones', values: Normalised[]): Promise<Contact> {
    const table = kind === 'emails' ? EMAILS : PHONES;
    return raceAsConflict(() =>
      this.uow.run(ctx.tenantId, async (tx) => {
        await this.guards.lockEditable(tx, id);
        await this.guards.assertNoDuplicates(tx, kind === 'emails' ? values.map((v) => v.normalized) : [], kind === 'phones' ? values.map((v) => v.normalized) : [], id);
        const taken = await this.contacts.replacePoints(tx, table, id, values);
        // Another contact took a value between the duplicate check and here: undo everything.
        if (taken.length) {
          throw conflict(`a contact with ${kind === 'emails' ? 'email' : 'phone'} ${taken[0].value} already exists: ${taken[0].contact_id}; update it or merge the two`, {
            existingContactId: taken[0].contact_id,
          });
        }
        const after = (await this.contacts.find(tx, id))!;
        await this.contacts.finishChange(tx, id, displayNameOf({ firstName: after.first_name, lastName: after.last_name }, after.emails[0]?.email, after.phones[0]?.e164));
        await this.contacts.refreshSearchText(tx, [id]);
        const row = (await this.contacts.find(tx, id))!;
        await emitContactUpdated(tx, row, [kind]);
        return this.presenter.one(tx, row);
      }),
    );
  }
}
