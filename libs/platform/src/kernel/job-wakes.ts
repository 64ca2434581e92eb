import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CoalescedWake, WakeListener } from '../db/wakes';
import type { ServiceInfo } from '../service-info';
import { SERVICE_INFO } from '../tokens';

/** NOTIFY channel of a schema's job queues; the payload names the queue's table. */
export const jobsChannel = (schema: string) => `${schema}_jobs`;

/** How one job queue is woken from another process (JobScheduler.wake in a process that does not run it). */
export interface JobWake {
  /** A job was queued due now and committed: wake the process running the queue (one NOTIFY in flight at a time). */
  notify(): void;
  /** In the process running the queue: `onWake` at every such NOTIFY from when this resolves; its result stops that. */
  listen(onWake: () => void): Promise<() => void>;
}

/**
 * The job queues' wake-ups across processes. An `api` process queues jobs (a scoring-rule change
 * queues a rescore) that only a worker runs: without a wake-up the worker found them at its next
 * poll (SCORE_RESCORE_POLL_MS, 5 s by default) where an all-in-one process starts at once. Here the
 * queueing process sends a NOTIFY on the schema's jobs channel naming the table, and the worker's
 * wake-up listener (shared with its outbox relay, bootstrap.ts) wakes that queue.
 */
@Injectable()
export class JobWakes {
  private readonly wakes = new Map<string, JobWake>();

  constructor(
    private readonly ds: DataSource,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    /** Only where background work runs (bootstrap.ts). */
    @Optional() private readonly listener?: WakeListener,
  ) {}

  of(table: string): JobWake {
    let wake = this.wakes.get(table);
    if (wake) return wake;
    const channel = jobsChannel(this.info.schema);
    const sent = new CoalescedWake(() => this.ds.query(`SELECT pg_notify($1, $2)`, [channel, table]));
    wake = {
      notify: () => sent.fire(),
      listen: async (onWake) => (this.listener ? this.listener.listen(channel, (payload) => (payload === undefined || payload === table) && onWake()) : () => undefined),
    };
    this.wakes.set(table, wake);
    return wake;
  }
}
