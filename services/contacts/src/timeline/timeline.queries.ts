import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { keysetPage, parseInput, UnitOfWork, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
import { InteractionRepository, toInteraction, type TimelineFilterValue } from './interaction.repository';
import type { Interaction } from './timeline.types';

const TIMELINE_ORDER: KeysetOrder = { name: 'timeline', key: 'occurred_at', dir: 'DESC', timestamp: true };

const names = z.array(z.string().max(50, 'must be at most 50 characters')).max(20, 'at most 20 values').nullish();
const timelineFilterSchema = z.object({ kinds: names, modules: names });

/** Reads of the timeline. */
@Injectable()
export class TimelineQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly interactions: InteractionRepository,
  ) {}

  /** A contact's entries, newest first (Contact.timelineEntries). */
  async page(tenantId: string, contactId: string, args: KeysetArgs, withTotal: boolean, filter: TimelineFilterValue = {}): Promise<ConnectionValue<Interaction>> {
    const page = keysetPage(TIMELINE_ORDER, args);
    const f = parseInput(timelineFilterSchema, filter, 'filter');
    return this.uow.run(tenantId, async (tx) => {
      const rows = await this.interactions.page(tx, contactId, page, f);
      const n = withTotal ? await this.interactions.count(tx, contactId, f) : null;
      return page.connection(rows, (r) => r.map(toInteraction), n);
    });
  }
}
