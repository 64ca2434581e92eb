import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { invalidField, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { canonicalId, displayNameOf } from '../contact-input';
import { emitContactMerged } from '../contact.events';
import { ContactGuards, raceAsConflict } from '../contact.guards';
import { ContactPresenter } from '../contact.presenter';
import { ContactRepository, EMAILS, PHONES, type MergePreference } from '../contact.repository';
import { toSnapshot } from '../contact.rows';
import { MergeSide, type Contact, type MergeFieldChoices } from '../contact.types';

const side = z.nativeEnum(MergeSide).nullish();
/** `keep`: per field, whose value survives; unknown fields are refused (a typo must not silently keep the survivor's value). */
const keepSchema = z
  .object({
    firstName: side, lastName: side, email: side, phone: side, companyId: side,
    ownerId: side, lifecycleStage: side, source: side, addresses: side, customFields: side, timeZone: side,
  })
  .strict();

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

  async execute(ctx: RequestContext, rawSurvivorId: string, rawDuplicateId: string, keep: MergeFieldChoices = {}): Promise<Contact> {
    const choices = parseInput(keepSchema, keep ?? {}, 'keep');
    const [survivorId, duplicateId] = [canonicalId(rawSurvivorId), canonicalId(rawDuplicateId)];
    if (survivorId === duplicateId) throw invalidField('duplicateId', 'survivorId and duplicateId are the same contact');
    const prefer: MergePreference = Object.fromEntries(
      Object.entries(choices).filter(([, v]) => v === MergeSide.DUPLICATE).map(([k]) => [k, 'duplicate' as const]),
    );
    return raceAsConflict(() =>
      this.uow.run(ctx.tenantId, async (tx) => {
        // Lock both in a stable order so two concurrent merges cannot deadlock.
        const [a, b] = [survivorId, duplicateId].sort();
        const first = await this.guards.lockActive(tx, a, a === survivorId ? 'survivorId' : 'duplicateId');
        const second = await this.guards.lockActive(tx, b, b === survivorId ? 'survivorId' : 'duplicateId');
        const duplicate = first.id === duplicateId ? first : second;
        await this.contacts.moveBelongings(tx, survivorId, duplicateId);
        // The duplicate's primary stays primary when chosen (moved points are never primary).
        const dupEmail = duplicate.emails.find((e) => e.primary)?.normalized;
        const dupPhone = duplicate.phones.find((p) => p.primary)?.e164;
        if (choices.email === MergeSide.DUPLICATE && dupEmail) await this.contacts.makePrimary(tx, EMAILS, survivorId, dupEmail);
        if (choices.phone === MergeSide.DUPLICATE && dupPhone) await this.contacts.makePrimary(tx, PHONES, survivorId, dupPhone);
        await this.contacts.fillGapsFrom(tx, survivorId, duplicateId, prefer);
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
