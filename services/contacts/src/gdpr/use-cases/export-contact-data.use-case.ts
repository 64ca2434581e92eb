import { Injectable } from '@nestjs/common';
import { badUserInput, isUuid, notFound, UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalId } from '../../contacts/contact-input';
import { ContactRepository } from '../../contacts/contact.repository';
import { GdprRepository } from '../gdpr.repository';

/**
 * GDPR right of access: everything this service holds about a contact, in one JSON document
 * (the contact, its emails, phones, consents with their full history, timeline, merge history, custom fields).
 */
@Injectable()
export class ExportContactData {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly held: GdprRepository,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Record<string, unknown>> {
    const id = canonicalId(rawId);
    if (!isUuid(id)) throw badUserInput(`id: "${id.slice(0, 60)}" is not a contact id`);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const contact = await this.held.contact(tx, id);
      if (!contact) throw notFound(`contact ${id} does not exist`);
      // Sequential on purpose: a transaction has one connection, and pg refuses overlapping queries on a client.
      const emails = await this.held.emails(tx, id);
      const phones = await this.held.phones(tx, id);
      const consents = await this.held.consents(tx, id);
      // Kept after erasure (proof of lawful processing, see EraseContact): exported too.
      const consentHistory = (await this.contacts.consentHistories(tx, [id], null)).get(id) ?? [];
      const interactions = await this.held.interactions(tx, id);
      const merges = await this.held.merges(tx, id);
      const company = contact.company_id ? await this.held.company(tx, contact.company_id) : undefined;
      return {
        exportedAt: new Date().toISOString(),
        service: 'contacts',
        tenantId: ctx.tenantId,
        contact,
        company: company ?? null,
        emails,
        phones,
        consents,
        consentHistory,
        interactions,
        merges,
      };
    });
  }
}
