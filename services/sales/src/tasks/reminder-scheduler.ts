import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { TaskDueV1 } from '@crm/events';
import { bindTenant, EventPublisher, LOGGER, SERVICE_INFO, type ServiceInfo, updated } from '@crm/platform';
import { SALES_CONFIG, type SalesConfig } from '../config';

/**
 * Emits task.due.v1 when a task's due time is reached. The state lives in the database, so a
 * reminder that fell due while the service was down fires on the next sweep after start.
 *
 * Each sweep, in one transaction: take due rows of the `task_reminders` queue with
 * FOR UPDATE SKIP LOCKED (several replicas share the work, none fires a reminder twice), then per
 * row bind the row's tenant (row-level security), mark the task `due_emitted_at`, write the event
 * to the outbox and delete the queue row. The queue is under row-level security with one explicit
 * cross-tenant path (migration ReminderQueueRls): the module login outside any tenant binding — the
 * SELECT below, before the first bindTenant — sees every tenant's due rows; once a row's tenant is
 * bound, the rest of the work (and any tenant-bound transaction elsewhere) sees that tenant only.
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
    @Inject(SALES_CONFIG) private readonly config: SalesConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.info.schemaOnly || !this.config.SALES_REMINDER_SCHEDULER) return;
    this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().catch((err) => {
        this.log.error({ err }, 'reminder sweep failed; will retry');
        return 0;
      });
      void this.running.then((n) => this.schedule(n >= this.config.SALES_REMINDER_BATCH ? 0 : this.config.SALES_REMINDER_POLL_MS));
    }, ms);
    this.timer.unref?.();
  }

  /** One sweep; returns how many reminders fired. Public so tests and operators can trigger it. */
  async sweep(now: Date = new Date()): Promise<number> {
    return this.ds.transaction(async (m) => {
      const due: { task_id: string; tenant_id: string }[] = await m.query(
        `SELECT task_id, tenant_id FROM task_reminders WHERE due_at <= $1 ORDER BY due_at, task_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, this.config.SALES_REMINDER_BATCH],
      );
      for (const r of due) {
        await bindTenant(m, r.tenant_id);
        const [t] = await updated(m,
          `UPDATE tasks SET due_emitted_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'open' AND due_emitted_at IS NULL RETURNING *`,
          [r.tenant_id, r.task_id],
        );
        if (t) {
          await this.events.emit(m, r.tenant_id, [
            {
              type: TaskDueV1.type,
              subject: t.id,
              data: { taskId: t.id, title: t.title, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, dueAt: new Date(t.due_at).toISOString() },
            },
          ]);
        }
        await m.query(`DELETE FROM task_reminders WHERE task_id = $1`, [r.task_id]);
      }
      return due.length;
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
