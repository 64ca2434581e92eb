import { IdleMemoryRelease } from './idle-memory';

const MB = 1 << 20;
const p = { quietWindows: 3, maxUtilization: 0.1, minSlackBytes: 48 * MB };
const busy = { utilization: 0.6, heapSlackBytes: 150 * MB };
const quiet = (slackMb: number) => ({ utilization: 0.02, heapSlackBytes: slackMb * MB });

describe('IdleMemoryRelease: when the embedded process collects its unused heap', () => {
  it('collects once the loop has been quiet for quietWindows windows in a row with enough slack', () => {
    const r = new IdleMemoryRelease(p);
    expect([busy, quiet(150), quiet(150), quiet(150)].map((s) => r.observe(s))).toEqual([false, false, false, true]);
  });

  it('a busy window restarts the count', () => {
    const r = new IdleMemoryRelease(p);
    expect([quiet(150), quiet(150), busy, quiet(150), quiet(150), quiet(150)].map((s) => r.observe(s))).toEqual([false, false, false, false, false, true]);
  });

  it('does not collect a heap with little slack', () => {
    const r = new IdleMemoryRelease(p);
    expect([quiet(20), quiet(20), quiet(20), quiet(47)].map((s) => r.observe(s))).toEqual([false, false, false, false]);
  });

  it('after a collection, waits for a busy window before the next (slack that stays is not collected over and over)', () => {
    const r = new IdleMemoryRelease(p);
    const seen = [quiet(150), quiet(150), quiet(150), quiet(150), quiet(150), quiet(150), quiet(150), busy, quiet(150), quiet(150), quiet(150)].map((s) => r.observe(s));
    expect(seen).toEqual([false, false, true, false, false, false, false, false, false, false, true]);
  });
});
