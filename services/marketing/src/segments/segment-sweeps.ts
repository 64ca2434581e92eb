import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { EventPublisher, JobQueue, JobScheduler, LOGGER, SERVICE_INFO, type JobRow, type ServiceInfo, type Tx } from '@crm/platform';
import { SegmentMembership } from './segment-membership';
import { SegmentRepository } from './segment.repository';
import { SEGMENTS_CONFIG, type SegmentsConfig } from './segments.config';

/**
 * The periodic sweep of time-relative segments: a rule such as "last order older than 30 days"
 * changes its answer with no event at all, so once per MARKETING_SEGMENT_SWEEP_MINUTES each tenant
 * that has such a segment gets one job in `segment_sweeps` (a kernel job table: FOR UPDATE SKIP
 * LOCKED, so replicas share the work and a sweep runs once). The job re-evaluates those segments
 * set-based and enqueues the tenant's next sweep, until the tenant has none left.
 */
@Injectable()
export class SegmentSweeps extends JobQueue<JobRow> {
  protected readonly jobs: JobScheduler<JobRow>;

  constructor(
    ds: DataSource,
    events: EventPublisher,
    @Inject(SEGMENTS_CONFIG) private readonly config: SegmentsConfig,
    @Inject(SERVICE_INFO) protected readonly info: ServiceInfo,
    @Inject(LOGGER) log: Logger,
    private readonly segments: SegmentRepository,
    private readonly membership: SegmentMembership,
  ) {
    super();
    this.jobs = new JobScheduler<JobRow>(ds, events, log, {
      name: 'segment sweeps',
      table: 'segment_sweeps',
      batch: 20,
      pollMs: config.MARKETING_SEGMENT_SWEEP_POLL_MS,
      handle: async (tx) => {
        await this.sweepTenant(tx);
      },
    });
  }

  protected override enabled(): boolean {
    return this.config.MARKETING_SEGMENT_SWEEP;
  }

  /** The tenant's next sweep, unless one is pending (called when a time-relative segment is saved). */
  async ensure(tx: Tx, dueInMinutes = this.config.MARKETING_SEGMENT_SWEEP_MINUTES): Promise<void> {
    await tx.query(
      `INSERT INTO segment_sweeps (id, tenant_id, due_at) SELECT $1, $2, now() + make_interval(mins => $3::int)
       WHERE NOT EXISTS (SELECT 1 FROM segment_sweeps WHERE tenant_id = $2 AND failed_at IS NULL)`,
      [randomUUID(), tx.tenantId, dueInMinutes],
    );
  }

  /** Re-evaluates every time-relative segment of the job's tenant; returns how many memberships changed. */
  async sweepTenant(tx: Tx): Promise<number> {
    const segments = await this.segments.dynamic(tx, true);
    let changed = 0;
    for (const s of segments) {
      const r = await this.membership.evaluateSegment(tx, s, 'sweep');
      changed += r.added + r.removed;
    }
    // The job being handled is deleted after this handler: the next one is a new row.
    if (segments.length)
      await tx.query(`INSERT INTO segment_sweeps (id, tenant_id, due_at) VALUES ($1, $2, now() + make_interval(mins => $3::int))`, [
        randomUUID(),
        tx.tenantId,
        this.config.MARKETING_SEGMENT_SWEEP_MINUTES,
      ]);
    return changed;
  }
}
