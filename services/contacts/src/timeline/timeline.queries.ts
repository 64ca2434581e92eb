import { Injectable } from '@nestjs/common';
import { keysetPage, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { InteractionRepository, toInteraction } from './interaction.repository';
import type { Interaction } from './timeline.types';

const TIMELINE_ORDER: KeysetOrder = { name: 'timeline', key: 'occurred_at', dir: 'DESC', timestamp: true };

/** Reads of the timeline. */
@Injectable()
export class TimelineQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly interactions: InteractionRepository,
  ) {}

  /** A contact's entries, newest first (Contact.timelineEntries). */
  async page(tenantId: string, contactId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Interaction>> {
    const page = keysetPage(TIMELINE_ORDER, args);
    return this.uow.run(tenantId, async (tx) => {
      const rows = await this.interactions.page(tx, contactId, page);
      const n = withTotal ? await this.interactions.count(tx, contactId) : null;
      return page.connection(rows, (r) => r.map(toInteraction), n);
    });
  }
}
