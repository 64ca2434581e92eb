import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalId, consentInputSchema } from '../contact-input';
import { emitContactUpdated } from '../contact.events';
import { ContactGuards } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository } from '../contact.repository';
import type { Contact, SetConsentInput } from '../contact.types';

const setConsentSchema = consentInputSchema;

/** Records a consent decision (the current state and its append-only evidence); emits contact.updated with `changed: ['consents']`. */
@Injectable()
export class SetConsent {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
  ) {}

  async execute(ctx: RequestContext, input: SetConsentInput): Promise<Contact> {
    const contactId = canonicalId(input.contactId);
    const c = parseInput(setConsentSchema, input, 'input');
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.guards.lockActive(tx, contactId, 'input.contactId');
      await this.contacts.recordConsent(tx, {
        contactId,
        channel: input.channel,
        status: input.granted ? 'granted' : 'withdrawn',
        legalBasis: c.legalBasis ?? null,
        source: c.source ?? null,
        wording: c.wording ?? null,
        wordingVersion: c.wordingVersion ?? null,
        recordedBy: ctx.userId ?? null,
      });
      await this.contacts.bumpVersion(tx, contactId);
      const row = (await this.contacts.find(tx, contactId))!;
      await emitContactUpdated(tx, row, ['consents']);
      return this.presenter.one(tx, row);
    });
  }
}
