import { formatMinor, toMinor } from '@crm/shared-kernel';
import { forecast, funnel, type ForecastDeal, type FunnelDeal } from './analytics-math';

const eur = (s: string) => toMinor(s, 'EUR', 'x');

describe('forecast (hand-computed)', () => {
  it('weighted, commit, best case and closed per owner and currency', () => {
    const deals: ForecastDeal[] = [
      { ownerId: 'ann', currency: 'EUR', status: 'open', amount: eur('1000.00'), probability: 10, category: 'pipeline' },
      { ownerId: 'ann', currency: 'EUR', status: 'open', amount: eur('2000.00'), probability: 50, category: 'best_case' },
      { ownerId: 'ann', currency: 'EUR', status: 'open', amount: eur('333.33'), probability: 75, category: 'commit' },
      { ownerId: 'ann', currency: 'EUR', status: 'won', amount: eur('500.00'), probability: 100, category: 'pipeline' },
      { ownerId: 'ann', currency: 'EUR', status: 'lost', amount: eur('9999.00'), probability: 10, category: 'pipeline' },
      { ownerId: 'ann', currency: 'EUR', status: 'open', amount: eur('7777.00'), probability: 50, category: 'omitted' },
      { ownerId: 'ann', currency: 'USD', status: 'open', amount: toMinor('100.00', 'USD', 'x'), probability: 25, category: 'pipeline' },
      { ownerId: 'bob', currency: 'EUR', status: 'open', amount: eur('0.01'), probability: 50, category: 'pipeline' },
    ];
    const f = forecast(deals).map((l) => ({
      ownerId: l.ownerId, currency: l.currency, openDeals: l.openDeals, wonDeals: l.wonDeals,
      ...Object.fromEntries((['pipeline', 'weighted', 'commit', 'bestCase', 'closedWon'] as const).map((k) => [k, formatMinor(l[k], l.currency)])),
    }));
    expect(f).toEqual([
      // pipeline 1000 + 2000 + 333.33 = 3333.33
      // weighted 500 + 100 + 1000 + 249.9975 = 1849.9975 → 1850.00
      // commit 500 + 333.33 = 833.33; best case 833.33 + 2000 = 2833.33
      { ownerId: 'ann', currency: 'EUR', openDeals: 3, wonDeals: 1, pipeline: '3333.33', weighted: '1850.00', commit: '833.33', bestCase: '2833.33', closedWon: '500.00' },
      { ownerId: 'ann', currency: 'USD', openDeals: 1, wonDeals: 0, pipeline: '100.00', weighted: '25.00', commit: '0.00', bestCase: '0.00', closedWon: '0.00' },
      // 0.01 × 50% = 0.005 → 0.01
      { ownerId: 'bob', currency: 'EUR', openDeals: 1, wonDeals: 0, pipeline: '0.01', weighted: '0.01', commit: '0.00', bestCase: '0.00', closedWon: '0.00' },
    ]);
  });
});

describe('funnel (hand-computed)', () => {
  const stages = [
    { id: 'q', name: 'Qualify', position: 0 },
    { id: 'p', name: 'Proposal', position: 1 },
    { id: 'n', name: 'Negotiate', position: 2 },
  ];
  const t = (h: number) => new Date(Date.UTC(2026, 0, 1) + h * 3600_000);

  it('conversion stage to stage, time in stage, win rate and lost reasons', () => {
    const deals: FunnelDeal[] = [
      // A: q(0h) → p(10h) → n(30h) → won at 40h
      { status: 'won', lostReason: null, closedAt: t(40), history: [{ stageId: 'q', at: t(0) }, { stageId: 'p', at: t(10) }, { stageId: 'n', at: t(30) }] },
      // B: q(0h) → p(20h) → lost at 26h (price)
      { status: 'lost', lostReason: 'price', closedAt: t(26), history: [{ stageId: 'q', at: t(0) }, { stageId: 'p', at: t(20) }] },
      // C: q(0h), lost at 5h (price)
      { status: 'lost', lostReason: 'price', closedAt: t(5), history: [{ stageId: 'q', at: t(0) }] },
      // D: q(0h) → n(4h) skipping p, still open
      { status: 'open', lostReason: null, closedAt: null, history: [{ stageId: 'q', at: t(0) }, { stageId: 'n', at: t(4) }] },
      // E: q, lost at 1h (timing)
      { status: 'lost', lostReason: 'timing', closedAt: t(1), history: [{ stageId: 'q', at: t(0) }] },
    ];
    const f = funnel(stages, deals);
    expect(f).toMatchObject({ deals: 5, won: 1, lost: 3, open: 1, winRate: 0.25 });
    expect(f.lostReasons).toEqual([
      { reason: 'price', count: 2 },
      { reason: 'timing', count: 1 },
    ]);
    // reached: q 5; p: A, B, D (skipped into n) = 3; n: A, D = 2. Won from n: 1.
    // q: stays A 10h, B 20h, C 5h, D 4h, E 1h = 40h / 5 = 8h = 28800 s
    // p: A 20h, B 6h = 26h / 2 = 13h = 46800 s
    // n: A 10h (D still in it) = 36000 s
    expect(f.stages).toEqual([
      { stageId: 'q', name: 'Qualify', reached: 5, advanced: 3, conversionRate: 0.6, finishedStays: 5, averageSecondsInStage: 28800 },
      { stageId: 'p', name: 'Proposal', reached: 3, advanced: 2, conversionRate: 0.6667, finishedStays: 2, averageSecondsInStage: 46800 },
      { stageId: 'n', name: 'Negotiate', reached: 2, advanced: 1, conversionRate: 0.5, finishedStays: 1, averageSecondsInStage: 36000 },
    ]);
  });

  it('empty pipeline has null rates', () => {
    const f = funnel(stages, []);
    expect(f.winRate).toBeNull();
    expect(f.stages[0]).toMatchObject({ reached: 0, conversionRate: null, averageSecondsInStage: null });
  });
});
