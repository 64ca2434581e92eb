import { roundDiv } from '@crm/shared-kernel';

/**
 * Forecast and funnel arithmetic, pure so it is unit-tested with hand-computed answers.
 *
 * Forecast, per owner and currency, over deals whose close date falls in the period (the actual
 * close date for won deals, the expected close date for open ones); no currency conversion:
 *   closedWon = Σ won amounts
 *   pipeline  = Σ open amounts (deals with forecast category OMITTED left out, as everywhere below)
 *   weighted  = closedWon + Σ open amount × stage probability (rounded half up once per owner+currency)
 *   commit    = closedWon + Σ open COMMIT deals
 *   bestCase  = commit + Σ open BEST_CASE deals
 */
export type ForecastCategory = 'pipeline' | 'best_case' | 'commit' | 'omitted';

export interface ForecastDeal {
  ownerId: string;
  currency: string;
  status: 'open' | 'won' | 'lost';
  amount: bigint;
  probability: number;
  category: ForecastCategory;
}

export interface ForecastLine {
  ownerId: string;
  currency: string;
  openDeals: number;
  wonDeals: number;
  pipeline: bigint;
  weighted: bigint;
  commit: bigint;
  bestCase: bigint;
  closedWon: bigint;
}

export function forecast(deals: ForecastDeal[]): ForecastLine[] {
  const acc = new Map<string, ForecastLine & { weightedScaled: bigint; commitOpen: bigint; bestOpen: bigint }>();
  for (const d of deals) {
    if (d.status === 'lost' || d.category === 'omitted') continue;
    const key = `${d.ownerId}\u0000${d.currency}`;
    let a = acc.get(key);
    if (!a) {
      a = { ownerId: d.ownerId, currency: d.currency, openDeals: 0, wonDeals: 0, pipeline: 0n, weighted: 0n, commit: 0n, bestCase: 0n, closedWon: 0n, weightedScaled: 0n, commitOpen: 0n, bestOpen: 0n };
      acc.set(key, a);
    }
    if (d.status === 'won') {
      a.wonDeals += 1;
      a.closedWon += d.amount;
      continue;
    }
    a.openDeals += 1;
    a.pipeline += d.amount;
    a.weightedScaled += d.amount * BigInt(d.probability);
    if (d.category === 'commit') a.commitOpen += d.amount;
    if (d.category === 'best_case') a.bestOpen += d.amount;
  }
  return [...acc.values()]
    .map(({ weightedScaled, commitOpen, bestOpen, ...a }) => {
      const commit = a.closedWon + commitOpen;
      return { ...a, weighted: a.closedWon + roundDiv(weightedScaled, 100n), commit, bestCase: commit + bestOpen };
    })
    .sort((x, y) => x.ownerId.localeCompare(y.ownerId) || x.currency.localeCompare(y.currency));
}

/**
 * Funnel of one pipeline. A deal "reached" a stage if it ever entered it or any later stage (skipping
 * a stage counts as passing it); a won deal reached every stage.
 *   conversion(stage i) = reached(i + 1) / reached(i); for the last stage, won / reached(last)
 *   average time in stage = mean duration of finished stays (until the next move, the win or the
 *   loss); stays still in progress are not counted
 *   win rate = won / (won + lost)
 */
export interface FunnelStage {
  id: string;
  name: string;
  position: number;
}

export interface FunnelDeal {
  status: 'open' | 'won' | 'lost';
  lostReason: string | null;
  closedAt: Date | null;
  /** Stage entries in order (creation counts as entering the first stage the deal was put in). */
  history: { stageId: string; at: Date }[];
}

export interface FunnelStageResult {
  stageId: string;
  name: string;
  reached: number;
  advanced: number;
  /** advanced / reached, rounded to 4 decimals; null when no deal reached the stage. */
  conversionRate: number | null;
  finishedStays: number;
  averageSecondsInStage: number | null;
}

export interface FunnelResult {
  deals: number;
  won: number;
  lost: number;
  open: number;
  winRate: number | null;
  stages: FunnelStageResult[];
  lostReasons: { reason: string; count: number }[];
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10000) / 10000);

export function funnel(stages: FunnelStage[], deals: FunnelDeal[]): FunnelResult {
  const ordered = [...stages].sort((a, b) => a.position - b.position);
  const index = new Map(ordered.map((s, i) => [s.id, i]));
  const n = ordered.length;
  const reached = new Array<number>(n).fill(0);
  const stayMs = new Array<number>(n).fill(0);
  const stays = new Array<number>(n).fill(0);
  const reasons = new Map<string, number>();
  let won = 0;
  let lost = 0;
  for (const d of deals) {
    if (d.status === 'won') won += 1;
    if (d.status === 'lost') {
      lost += 1;
      const r = d.lostReason ?? '(none)';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    let max = -1;
    for (const h of d.history) max = Math.max(max, index.get(h.stageId) ?? -1);
    if (d.status === 'won') max = n - 1;
    for (let i = 0; i <= max; i++) reached[i] += 1;
    d.history.forEach((h, k) => {
      const i = index.get(h.stageId);
      if (i === undefined) return;
      const end = k + 1 < d.history.length ? d.history[k + 1].at : d.status !== 'open' ? d.closedAt : null;
      if (!end) return;
      stays[i] += 1;
      stayMs[i] += end.getTime() - h.at.getTime();
    });
  }
  return {
    deals: deals.length,
    won,
    lost,
    open: deals.length - won - lost,
    winRate: ratio(won, won + lost),
    stages: ordered.map((s, i) => {
      const advanced = i + 1 < n ? reached[i + 1] : won;
      return {
        stageId: s.id,
        name: s.name,
        reached: reached[i],
        advanced,
        conversionRate: ratio(advanced, reached[i]),
        finishedStays: stays[i],
        averageSecondsInStage: stays[i] ? Math.round(stayMs[i] / stays[i]) / 1000 : null,
      };
    }),
    lostReasons: [...reasons.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
