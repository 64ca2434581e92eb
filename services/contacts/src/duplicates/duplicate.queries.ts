import { Injectable } from '@nestjs/common';
import { invalidField, keysetPage, UnitOfWork, type KeysetArgs } from '@crm/platform';
import { ContactPresenter } from '../contacts/contact.presenter';
import { ContactRepository } from '../contacts/contact.repository';
import { DuplicateRepository, PAIR_ORDER } from './duplicate.repository';
import { DEFAULT_MIN_SCORE, type DuplicatePairConnection } from './duplicate.types';

/** Reads of possible duplicates: pairs of the tenant's active contacts, highest score first. */
@Injectable()
export class DuplicateQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly duplicates: DuplicateRepository,
    private readonly contacts: ContactRepository,
    private readonly presenter: ContactPresenter,
  ) {}

  async possibleDuplicates(tenantId: string, args: KeysetArgs, minScore: number = DEFAULT_MIN_SCORE, withTotal = false): Promise<DuplicatePairConnection> {
    if (!Number.isInteger(minScore) || minScore < 1 || minScore > 100) throw invalidField('minScore', 'must be a whole number between 1 and 100');
    const page = keysetPage(PAIR_ORDER, args);
    return this.uow.run(tenantId, async (tx) => {
      const rows = await this.duplicates.page(tx, page, minScore);
      const n = withTotal ? await this.duplicates.count(tx, minScore) : null;
      return page.connection(rows, async (pairs) => {
        // Both sides of the whole page in one read.
        const ids = [...new Set(pairs.flatMap((r) => [r.a_id, r.b_id]))];
        const byId = new Map((await this.presenter.present(tx, await this.contacts.findMany(tx, ids))).map((c) => [c.id, c]));
        return pairs.map((r) => ({ a: byId.get(r.a_id)!, b: byId.get(r.b_id)!, score: r.score, reasons: r.reasons }));
      }, n);
    });
  }
}
