import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { currentActor, currentTraceparent, EventPublisher, JobQueue, JobScheduler, LOGGER, PLATFORM_CONFIG, SERVICE_INFO, type JobRow, type ServiceInfo, type Tx } from '@crm/platform';
import type { CaptureConfig } from '../forms/capture.config';
import { LeadScoring } from './lead-scoring';
import { ScoreRepository } from './score.repository';
import type { ContactAttributes } from './scoring-rules';

/** `Tx.once` key: whether the tenant has contacts queued (ScoreRescores.matched). */
const PENDING_KEY = 'marketing.score-rescores-pending';

/** Contacts per job: the lead-scoring runs of the tenant wait for one chunk at most (about a second). */
export const RESCORE_CHUNK = 100;

interface QueuedRow {
  [column: string]: unknown;
  contact_id: string;
  rematch: boolean;
  rescore: boolean;
  reason: string;
  lifecycle_stage: string | null;
  company_name: string | null;
  country: string | null;
  tags: string[] | null;
  custom_fields: Record<string, unknown> | null;
}

/**
 * Scores recomputed after a rule change, in the background. A rule write only queues the contacts it
 * affects (`score_rescores`, one set-based statement) and a job for the tenant (`score_rescore_jobs`,
 * the kernel's JobScheduler); the job does RESCORE_CHUNK contacts per transaction and queues the next
 * chunk, so the request no longer grows with the tenant (in the mutation's transaction it took 15–21 s
 * at 20,000 contacts, past the gateway's subgraph timeout, bench/README.md) nor stops the tenant's
 * lead scoring for as long (each chunk holds SCORING_CONFIG_LOCK exclusive: no run scores the tenant
 * meanwhile, so a contact's matches are never replaced by two transactions at once). Until its
 * contacts are done, `scoringSettings.pendingRescores` counts them.
 */
@Injectable()
export class ScoreRescores extends JobQueue<JobRow> {
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
      name: 'lead-score rescores',
      table: 'score_rescore_jobs',
      // One tenant's chunk per transaction; a full sweep starts the next one at once.
      batch: 1,
      pollMs: config.SCORE_RESCORE_POLL_MS,
      // Never given up: a failed job would leave the tenant's scores behind its rules until the next
      // rule change, which would only queue a new job to fail the same way. It is retried (backoff
      // up to an hour) with its error in last_error while pendingRescores stays above 0.
      maxAttempts: Number.MAX_SAFE_INTEGER,
      handle: (tx, job) => this.doChunk(tx, job),
    });
  }

  /** Attribute rules changed: every contact that can hold points (known, neither erased nor merged away) matches them again. */
  async queueRematchAll(tx: Tx, reason: string): Promise<void> {
    await tx.query(
      `INSERT INTO score_rescores (tenant_id, contact_id, rematch, rescore, reason)
       SELECT r.tenant_id, r.contact_id, true, false, $2 FROM contact_replica r
       WHERE r.tenant_id = $1 AND r.erased_at IS NULL AND r.merged_into IS NULL AND r.version > 0
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET rematch = true, reason = EXCLUDED.reason`,
      [tx.tenantId, reason],
    );
    await this.ensureJob(tx);
  }

  /** These contacts' ledgers changed (a rule and its points deleted): their scores are computed again. */
  async queueRescore(tx: Tx, contactIds: readonly string[], reason: string): Promise<void> {
    if (!contactIds.length) return;
    await tx.query(
      `INSERT INTO score_rescores (tenant_id, contact_id, rematch, rescore, reason) SELECT $1, c, false, true, $3 FROM unnest($2::uuid[]) AS c
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET rescore = true, reason = EXCLUDED.reason`,
      [tx.tenantId, contactIds, reason],
    );
    await this.ensureJob(tx);
  }

  /**
   * `marketing.lead-scoring` has just matched the contact against the current rules from its event's
   * snapshot: a pending re-match of it is dropped, since the replica the job would read may still hold
   * an older version of the contact (another consumer group applies it). Whether the tenant has any
   * pending row is read once per run (under SCORING_CONFIG_LOCK: only its holders exclusive queue or
   * take rows), so the common case costs one statement per run, not per event.
   */
  async matched(tx: Tx, contactId: string): Promise<void> {
    const pending = await tx.once(PENDING_KEY, async () => {
      await this.scores.holdConfig(tx);
      return !!(await tx.maybeOne(`SELECT 1 FROM score_rescores WHERE tenant_id = $1 LIMIT 1`, [tx.tenantId]));
    });
    if (!pending) return;
    await tx.query(
      `WITH done AS (DELETE FROM score_rescores WHERE tenant_id = $1 AND contact_id = $2 AND NOT rescore)
       UPDATE score_rescores SET rematch = false WHERE tenant_id = $1 AND contact_id = $2 AND rescore AND rematch`,
      [tx.tenantId, contactId],
    );
  }

  /** Contacts of the tenant whose score does not follow the current rules yet. */
  async pending(tx: Tx): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM score_rescores WHERE tenant_id = $1`, [tx.tenantId])).n;
  }

  /**
   * The tenant's job, unless one is pending besides `running` (the job asking for its next chunk).
   * It acts for whoever queued it, in their request's trace (the score events of a rule change carry
   * the user who made it); its next chunks continue so.
   */
  private async ensureJob(tx: Tx, running: string | null = null): Promise<void> {
    await tx.query(
      `INSERT INTO score_rescore_jobs (id, tenant_id, due_at, actor_id, traceparent) SELECT gen_random_uuid(), $1, now(), $2, $3
       WHERE NOT EXISTS (SELECT 1 FROM score_rescore_jobs WHERE tenant_id = $1 AND failed_at IS NULL AND id IS DISTINCT FROM $4)`,
      [tx.tenantId, currentActor(), currentTraceparent() ?? null, running],
    );
  }

  /** The job: the tenant's next chunk, then the job for the rest (this one is deleted after it). */
  private async doChunk(tx: Tx, job: JobRow): Promise<void> {
    await this.scores.lockForWrite(tx);
    const rows = await tx.query<QueuedRow>(
      // The chunk first, then its contacts by key: joined before the LIMIT, the planner hashed the
      // whole replica for every chunk (75 ms of 190 per chunk at 20,000 contacts, bench/README.md).
      `SELECT q.contact_id, q.rematch, q.rescore, q.reason, r.lifecycle_stage, r.company_name, r.country, r.tags, r.custom_fields
       FROM (SELECT contact_id, rematch, rescore, reason FROM score_rescores WHERE tenant_id = $1 ORDER BY contact_id LIMIT $2) q
       LEFT JOIN contact_replica r ON r.tenant_id = $1 AND r.contact_id = q.contact_id AND r.erased_at IS NULL AND r.merged_into IS NULL
       ORDER BY q.contact_id`,
      [tx.tenantId, RESCORE_CHUNK],
    );
    const at = new Date();
    for (const r of rows) {
      const c: ContactAttributes = { lifecycleStage: r.lifecycle_stage, companyName: r.company_name, country: r.country, tags: r.tags ?? [], customFields: r.custom_fields ?? {} };
      // A contact merged away or erased since it was queued matches nothing (no replica row joined).
      const rescored = r.rematch && (await this.scoring.onAttributes(tx, r.contact_id, c, at));
      if (r.rescore && !rescored) await this.scoring.rescore(tx, r.contact_id, at, r.reason);
    }
    await tx.query(`DELETE FROM score_rescores WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tx.tenantId, rows.map((r) => r.contact_id)]);
    if (rows.length === RESCORE_CHUNK) await this.ensureJob(tx, job.id as string);
  }
}
