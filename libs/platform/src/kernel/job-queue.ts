import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { runsBackgroundWork, type ServiceInfo } from '../service-info';
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

  /** Whether this process runs the queue (a configuration switch); yes unless overridden. */
  protected enabled(): boolean {
    return true;
  }

  onApplicationBootstrap(): void {
    if (runsBackgroundWork(this.info) && this.enabled()) this.jobs.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.jobs.stop();
  }

  /** One sweep of the jobs due at `now`; returns how many it claimed. */
  sweep(now: Date = new Date()): Promise<number> {
    return this.jobs.sweep(now);
  }
}
