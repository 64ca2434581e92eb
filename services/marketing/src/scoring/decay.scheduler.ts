import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { EventPublisher, JobQueue, JobScheduler, LOGGER, PLATFORM_CONFIG, SERVICE_INFO, type JobRow, type ServiceInfo } from '@crm/platform';
import type { CaptureConfig } from '../forms/capture.config';
import { LeadScoring } from './lead-scoring';
import { ScoreRepository } from './score.repository';

const DAY_MS = 86_400_000;

/**
 * The daily lead-score decay: one job per tenant with behaviour points (`score_decay_jobs`), swept by
 * the kernel's JobScheduler. A job decays the tenant as of its own due time and enqueues the next one
 * a day later, so a service that was down catches up day by day on restart, and a test can step days
 * with `sweep(at)`.
 */
@Injectable()
export class ScoreDecayScheduler extends JobQueue<JobRow> {
  protected readonly jobs: JobScheduler<JobRow>;

  constructor(
    ds: DataSource,
    events: EventPublisher,
    @Inject(LOGGER) log: Logger,
    @Inject(PLATFORM_CONFIG) config: CaptureConfig,
    @Inject(SERVICE_INFO) protected readonly info: ServiceInfo,
    private readonly scoring: LeadScoring,
    private readonly scores: ScoreRepository,
  ) {
    super();
    this.jobs = new JobScheduler<JobRow>(ds, events, log, {
      name: 'lead-score decay',
      table: 'score_decay_jobs',
      batch: 20,
      pollMs: config.SCORE_DECAY_POLL_MS,
      handle: async (tx, job) => {
        await this.scoring.decayTenant(tx, job.due_at);
        await this.scores.enqueueDecay(tx, new Date(job.due_at.getTime() + DAY_MS));
      },
    });
  }
}
