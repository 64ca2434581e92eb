import { Inject, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { runsBackgroundWork, type ServiceInfo } from '../service-info';
import { JobWakes } from './job-wakes';
import type { JobRow, JobScheduler } from './scheduler';

/**
 * A module's durable job queue as a Nest provider, so every queue starts and stops the same way: its
 * JobScheduler (made in the subclass's constructor) starts once the application has booted — never
 * in a schema-only or `api` process (PROCESS_ROLE), nor when `enabled` says no — and stops with the module, after a sweep in
 * progress. `sweep` runs one sweep now (tests and operators).
 */
export abstract class JobQueue<J extends JobRow> implements OnApplicationBootstrap, OnModuleDestroy {
  protected abstract readonly jobs: JobScheduler<J>;
  protected abstract readonly info: ServiceInfo;
  /** Given by the platform module (absent where a queue is made outside Nest: it is then woken in its process only). */
  @Optional() @Inject(JobWakes) private readonly wakes?: JobWakes;

  /** Whether this process runs the queue (a configuration switch); yes unless overridden. */
  protected enabled(): boolean {
    return true;
  }

  onApplicationBootstrap(): void {
    if (this.wakes) this.jobs.attachWake(this.wakes.of(this.jobs.table));
    if (runsBackgroundWork(this.info) && this.enabled()) this.jobs.start();
  }

  /**
   * Jobs were just queued due now and their transaction has committed: sweep at once instead of at
   * the next poll — here, or in the process that runs the queue.
   */
  wake(): void {
    this.jobs.wake();
  }

  onModuleDestroy(): Promise<void> {
    return this.jobs.stop();
  }

  /** One sweep of the jobs due at `now`; returns how many it claimed. */
  sweep(now: Date = new Date()): Promise<number> {
    return this.jobs.sweep(now);
  }
}
