import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { dedupeTags, LIMITS } from '../contact-input';
import { emitContactsUpdated } from '../contact.events';
import { contactSearchOf } from '../contact.queries';
import { ContactRepository, type BulkContactChange } from '../contact.repository';
import type { ContactFilter } from '../contact.types';
import { OwnerRule } from '../../directory/owner-rule';

/** At most this many contacts change in one call: one transaction, one outbox statement, bounded locks. */
export const BULK_MAX = 1000;

const tag = z.string().max(LIMITS.tag, `must be at most ${LIMITS.tag} characters`).refine((t) => t.trim().length > 0, 'must not be empty');
const bulkChangeSchema = z
  .object({
    addTags: z.array(tag).max(LIMITS.tags).optional(),
    removeTags: z.array(tag).max(LIMITS.tags).optional(),
    ownerId: z.string().max(200, 'must be at most 200 characters').nullish(),
    lifecycleStage: z.string().max(50, 'must be at most 50 characters').nullish(),
    limit: z.number().int().min(1, 'must be at least 1').max(BULK_MAX, `must be at most ${BULK_MAX}`).nullish(),
  })
  .superRefine((f, ctx) => {
    const both = (f.addTags ?? []).map((t) => t.trim()).filter((t) => (f.removeTags ?? []).map((r) => r.trim()).includes(t));
    if (both.length) ctx.addIssue({ code: 'custom', path: ['removeTags'], message: `"${both[0]}" is also in addTags` });
  });

export interface BulkUpdateInput {
  addTags?: string[] | null;
  removeTags?: string[] | null;
  ownerId?: string | null;
  lifecycleStage?: string | null;
  limit?: number | null;
}

export interface BulkUpdateResult {
  updated: number;
  updatedIds: string[];
  remaining: number;
}

/**
 * Tags, owner and lifecycle stage of every active contact the list filter matches, at most
 * `limit` (default and maximum BULK_MAX) per call; `remaining` says how many more the same call
 * would still change (contacts it leaves as they are are never counted, so calling again until
 * `remaining` is 0 terminates). One contact.updated per changed contact.
 */
@Injectable()
export class BulkUpdateContacts {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly contacts: ContactRepository,
    private readonly owners: OwnerRule,
  ) {}

  async execute(ctx: RequestContext, filter: ContactFilter, input: BulkUpdateInput): Promise<BulkUpdateResult> {
    const search = contactSearchOf(filter);
    const f = parseInput(bulkChangeSchema, input, 'input');
    const change: BulkContactChange = {
      addTags: f.addTags ? dedupeTags(f.addTags) : undefined,
      removeTags: f.removeTags ? dedupeTags(f.removeTags) : undefined,
      ownerId: f.ownerId === undefined ? undefined : f.ownerId?.trim() || null,
      lifecycleStage: f.lifecycleStage === undefined ? undefined : f.lifecycleStage?.trim() || null,
    };
    const changed = [
      (change.addTags?.length || change.removeTags?.length) && 'tags',
      change.ownerId !== undefined && 'ownerId',
      change.lifecycleStage !== undefined && 'lifecycleStage',
    ].filter((c): c is string => typeof c === 'string');
    if (!changed.length) throw badUserInput('nothing to update: give addTags, removeTags, ownerId or lifecycleStage', { fields: [{ field: 'input', message: 'no change given' }] });
    const limit = f.limit ?? BULK_MAX;
    return this.uow.run(ctx.tenantId, async (tx) => {
      await this.owners.require(tx, [{ field: 'input.ownerId', ownerId: change.ownerId }]);
      // One more than the batch tells whether any remain; the extra one is not changed.
      const ids = await this.contacts.lockForBulkChange(tx, search, change, limit + 1);
      const batch = ids.slice(0, limit);
      await this.contacts.applyBulkChange(tx, batch, change);
      const rows = await this.contacts.findMany(tx, batch);
      await emitContactsUpdated(tx, rows, changed);
      const remaining = ids.length > limit ? await this.contacts.countBulkChange(tx, search, change) : 0;
      return { updated: batch.length, updatedIds: batch, remaining };
    });
  }
}
