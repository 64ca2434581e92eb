import { Injectable } from '@nestjs/common';
import { UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalId } from '../contact-input';
import { emitContactArchived, emitContactRestored } from '../contact.events';
import { ContactGuards } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository } from '../contact.repository';
import type { Contact } from '../contact.types';

/**
 * Archive: the soft delete a user expects ("remove from my lists"), reversible, distinct from the
 * GDPR erasure. Archiving an archived contact changes nothing and emits nothing.
 */
@Injectable()
export class ArchiveContact {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Contact> {
    const id = canonicalId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const current = await this.guards.lockActive(tx, id);
      if (current.archived_at) return this.presenter.one(tx, current);
      await this.contacts.archive(tx, id, ctx.userId);
      const row = (await this.contacts.find(tx, id))!;
      await emitContactArchived(tx, row);
      return this.presenter.one(tx, row);
    });
  }
}

/** Brings an archived contact back into lists and search. Restoring an active contact changes nothing. */
@Injectable()
export class RestoreContact {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
  ) {}

  async execute(ctx: RequestContext, rawId: string): Promise<Contact> {
    const id = canonicalId(rawId);
    return this.uow.run(ctx.tenantId, async (tx) => {
      const current = await this.guards.lockActive(tx, id);
      if (!current.archived_at) return this.presenter.one(tx, current);
      await this.contacts.restore(tx, id);
      const row = (await this.contacts.find(tx, id))!;
      await emitContactRestored(tx, row);
      return this.presenter.one(tx, row);
    });
  }
}
