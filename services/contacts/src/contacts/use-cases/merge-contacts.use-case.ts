import { Injectable } from '@nestjs/common';
import { invalidField, UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalId, displayNameOf } from '../contact-input';
import { emitContactMerged } from '../contact.events';
import { ContactGuards, raceAsConflict } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository } from '../contact.repository';
import { toSnapshot } from '../contact.rows';
import type { Contact } from '../contact.types';

/**
 * Moves everything of the duplicate to the survivor, keeps a snapshot of the duplicate in
 * contact_merges (history), leaves the duplicate as a tombstone pointing at the survivor.
 */
@Injectable()
export class MergeContacts {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly guards: ContactGuards,
    private readonly presenter: ContactPresenter,
  ) {}

  async execute(ctx: RequestContext, rawSurvivorId: string, rawDuplicateId: string): Promise<Contact> {
    const [survivorId, duplicateId] = [canonicalId(rawSurvivorId), canonicalId(rawDuplicateId)];
    if (survivorId === duplicateId) throw invalidField('duplicateId', 'survivorId and duplicateId are the same contact');
    return raceAsConflict(() =>
      this.uow.run(ctx.tenantId, async (tx) => {
        // Lock both in a stable order so two concurrent merges cannot deadlock.
        const [a, b] = [survivorId, duplicateId].sort();
        const first = await this.guards.lockActive(tx, a, a === survivorId ? 'survivorId' : 'duplicateId');
        const second = await this.guards.lockActive(tx, b, b === survivorId ? 'survivorId' : 'duplicateId');
        const duplicate = first.id === duplicateId ? first : second;
        await this.contacts.moveBelongings(tx, survivorId, duplicateId);
        await this.contacts.fillGapsFrom(tx, survivorId, duplicateId);
        // Gaps filled from the duplicate (names, emails, phones) can change the survivor's display name.
        const filled = (await this.contacts.find(tx, survivorId))!;
        const display = displayNameOf({ firstName: filled.first_name, lastName: filled.last_name }, filled.emails[0]?.email, filled.phones[0]?.e164);
        await this.contacts.setDisplayName(tx, survivorId, display);
        await this.contacts.recordMerge(tx, { survivorId, duplicateId, mergedBy: ctx.userId, duplicateSnapshot: toSnapshot(duplicate) });
        await this.contacts.makeTombstone(tx, duplicateId, survivorId, `Merged into ${display}`.slice(0, 300));
        await this.contacts.refreshSearchText(tx, [survivorId]);
        const after = (await this.contacts.find(tx, survivorId))!;
        await emitContactMerged(tx, after, duplicateId);
        return this.presenter.one(tx, after);
      }),
    );
  }
}
