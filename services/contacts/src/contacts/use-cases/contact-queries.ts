import { Injectable } from '@nestjs/common';
import { isUuid, UnitOfWork } from '@crm/platform';
import { canonicalId } from '../contact-input';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository } from '../contact.repository';
import { toConsentRecord } from '../contact.rows';
import type { Channel, ConsentRecord, Contact } from '../contact.types';

/** Contacts by id in the order asked, null for unknown or malformed ids: one query for many (DataLoader, federation references). */
@Injectable()
export class GetContacts {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly presenter: ContactPresenter,
  ) {}

  async execute(tenantId: string, ids: readonly string[]): Promise<(Contact | null)[]> {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await this.uow.run(tenantId, async (tx) => this.presenter.present(tx, await this.contacts.findMany(tx, valid))) : [];
    const byId = new Map(found.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(canonicalId(id)) ?? null);
  }
}

/**
 * Every consent decision recorded for each contact (and for contacts merged into it, whose
 * evidence stays under their own id), newest first; optionally one channel only. A DataLoader
 * batch: result[i] belongs to contactIds[i].
 */
@Injectable()
export class GetConsentHistories {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(tenantId: string, contactIds: readonly string[], channel: Channel | null): Promise<ConsentRecord[][]> {
    const ids = contactIds.map(canonicalId);
    const valid = ids.filter(isUuid);
    const byContact = valid.length ? await this.uow.run(tenantId, (tx) => this.contacts.consentHistories(tx, valid, channel)) : new Map();
    return ids.map((id) => (byContact.get(id) ?? []).map(toConsentRecord));
  }
}
