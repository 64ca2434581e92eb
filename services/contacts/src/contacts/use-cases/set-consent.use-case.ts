import { Injectable } from '@nestjs/common';
import { parseInput, UnitOfWork, type RequestContext, type Tx } from '@crm/platform';
import { canonicalId, consentInputSchema } from '../contact-input';
import { emitContactUpdated } from '../contact.events';
import { ContactGuards } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository, type ConsentDecision } from '../contact.repository';
import type { ContactRow } from '../contact.rows';
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
      const row = await this.record(tx, contactId, {
        channel: input.channel,
        status: input.granted ? 'granted' : 'withdrawn',
        legalBasis: c.legalBasis ?? null,
        source: c.source ?? null,
        wording: c.wording ?? null,
        wordingVersion: c.wordingVersion ?? null,
      }, ctx.userId ?? null);
      return this.presenter.one(tx, row);
    });
  }

  /**
   * The one path a consent decision takes, whoever made it (a user here, another module's event in
   * the marketing consumer): the record, a new version, contact.updated with the new snapshot.
   * The caller has locked the contact and checked it may change.
   */
  async record(tx: Tx, contactId: string, decision: ConsentDecision, recordedBy: string | null): Promise<ContactRow> {
    await this.contacts.recordConsent(tx, { contactId, ...decision, recordedBy });
    await this.contacts.bumpVersion(tx, contactId);
    const row = (await this.contacts.find(tx, contactId))!;
    await emitContactUpdated(tx, row, ['consents']);
    return row;
  }
}
