import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { createLogger } from '@crm/platform';

/**
 * One window of the process: how busy its event loop was, and how much heap V8 holds beyond what was
 * live at the last release (all of it before the first). Not heapTotal − heapUsed: garbage counts as
 * used until a collection finds it, and with a small young generation (bin/crm.js) more of a load's
 * objects are still alive at a scavenge, promoted, and die in the old space: after a load the
 * process stayed at its peak.
 */
export interface MemorySample {
  utilization: number;
  heapSlackBytes: number;
}

export const IDLE_RELEASE = { windowMs: 5000, quietWindows: 3, maxUtilization: 0.1, minSlackBytes: 48 << 20 } as const;

/**
 * When the embedded process should give memory back. V8 grows the heap under load and shrinks it only
 * after a full collection that finds the space unused; a process that goes quiet does few collections,
 * so after a burst of writes `pnpm start` kept ~500 MB resident for good although ~160 MB was live
 * (bench/src/embedded-rss.ts). One full collection once the loop has been quiet for `quietWindows`
 * windows with more than `minSlackBytes` of slack returns it. After a release it waits for a busy
 * window before the next, so a heap whose slack stays (fragmentation) is not collected over and over.
 */
export class IdleMemoryRelease {
  private quiet = 0;
  private armed = true;

  constructor(private readonly p: { quietWindows: number; maxUtilization: number; minSlackBytes: number } = IDLE_RELEASE) {}

  /** Feeds one window; true: collect now. */
  observe(s: MemorySample): boolean {
    if (s.utilization >= this.p.maxUtilization) {
      this.quiet = 0;
      this.armed = true;
      return false;
    }
    this.quiet++;
    if (!this.armed || this.quiet < this.p.quietWindows || s.heapSlackBytes < this.p.minSlackBytes) return false;
    this.armed = false;
    return true;
  }
}

/**
 * Samples the process every window and runs a full collection when IdleMemoryRelease says so. For the
 * embedded all-in-one process only: a deployed service runs alone under its container's memory limit,
 * where V8 sizes its heap against that limit.
 */
export function releaseMemoryWhenIdle(log: ReturnType<typeof createLogger>, p = IDLE_RELEASE): { stop(): void } {
  // Node exposes no "idle" hint to V8 and no collection API without --expose-gc, which `pnpm start`
  // cannot pass to its own process; the flag can be set at run time and gc read from a fresh context.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const policy = new IdleMemoryRelease(p);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let live = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    const m = process.memoryUsage();
    if (!policy.observe({ utilization, heapSlackBytes: m.heapTotal - live })) return;
    gc();
    const after = process.memoryUsage();
    live = after.heapUsed;
    log.debug({ rssMb: [m.rss >> 20, after.rss >> 20], heapTotalMb: [m.heapTotal >> 20, after.heapTotal >> 20], liveMb: after.heapUsed >> 20 }, 'idle: released unused heap');
  }, p.windowMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
