import { AdSpendRecordedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { SpendRow } from './attribution.repository';

const orNull = (s: string) => (s === '' ? null : s);

/** One event per recorded row, in the transaction that wrote them (outbox). */
export function emitAdSpendRecorded(tx: Tx, rows: SpendRow[], recordedBy: string): Promise<void> {
  return tx.emitMany(
    AdSpendRecordedV1,
    rows.map((r) => ({
      subject: r.id,
      data: {
        spendId: r.id,
        day: r.day,
        source: r.source,
        medium: orNull(r.medium),
        campaign: orNull(r.campaign),
        keyword: orNull(r.keyword),
        cost: { amount: r.cost, currency: r.currency },
        clicks: r.clicks,
        impressions: r.impressions,
        recordedBy,
      },
    })),
  );
}
