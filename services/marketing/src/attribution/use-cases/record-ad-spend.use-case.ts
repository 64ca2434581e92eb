import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { badUserInput, parseInput, UnitOfWork, type RequestContext } from '@crm/platform';
import { adSpendRow, spendKey, toSpendRow } from '../ad-spend.input';
import { emitAdSpendRecorded } from '../attribution.events';
import { AttributionRepository } from '../attribution.repository';
import type { AdSpendInput } from '../attribution.types';

/** Rows per call; bigger batches go through importAdSpendCsv. */
export const MAX_SPEND_ROWS = 1000;

const schema = z.array(adSpendRow).min(1, 'at least one row').max(MAX_SPEND_ROWS, `at most ${MAX_SPEND_ROWS} rows; import bigger files with importAdSpendCsv`);

/** recordAdSpend: all rows or none, each upserted by (day, source, medium, campaign, keyword). */
@Injectable()
export class RecordAdSpend {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repo: AttributionRepository,
  ) {}

  async execute(ctx: RequestContext, input: AdSpendInput[]): Promise<number> {
    const rows = parseInput(schema, input, 'input').map(toSpendRow);
    const first = new Map<string, number>();
    const duplicates = rows.flatMap((r, i) => {
      const k = spendKey(r);
      const earlier = first.get(k);
      if (earlier === undefined) first.set(k, i);
      return earlier === undefined ? [] : [{ field: `input.${i}`, message: `same day, source, medium, campaign and keyword as input.${earlier}` }];
    });
    if (duplicates.length) throw badUserInput(duplicates.map((d) => `${d.field}: ${d.message}`).join('; '), { fields: duplicates });
    return this.uow.run(ctx.tenantId, async (tx) => {
      const written = await this.repo.upsertSpend(tx, rows, ctx.userId);
      await emitAdSpendRecorded(tx, written, ctx.userId);
      return written.length;
    });
  }
}
