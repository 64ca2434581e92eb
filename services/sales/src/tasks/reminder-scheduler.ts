import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { EventPublisher, JobScheduler, LOGGER, SERVICE_INFO, type JobRow, type ServiceInfo, type Tx } from '@crm/platform';
import { SALES_CONFIG, type SalesConfig } from '../config';
import { emitTaskDue } from './task.events';
import { TaskRepository } from './task.repository';

interface ReminderJob extends JobRow {
  task_id: string;
}

/**
 * Emits task.due.v1 when a task's due time is reached: the `task_reminders` queue is a kernel job
 * table swept by a JobScheduler (FOR UPDATE SKIP LOCKED: several replicas share the work, none fires
 * a reminder twice; a reminder that fell due while the service was down fires on the first sweep
 * after start). Per reminder, bound to its tenant: mark the task `due_emitted_at` and write the event
 * to the outbox; the scheduler then deletes the queue row. A task completed meanwhile has no reminder
 * left (CompleteTask deletes it, locking the reminder first as the sweep does).
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly jobs: JobScheduler<ReminderJob>;

  constructor(
    ds: DataSource,
    events: EventPublisher,
    @Inject(SALES_CONFIG) private readonly config: SalesConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(LOGGER) log: Logger,
    private readonly tasks: TaskRepository,
  ) {
    this.jobs = new JobScheduler<ReminderJob>(ds, events, log, {
      name: 'task reminders',
      table: 'task_reminders',
      idColumn: 'task_id',
      batch: config.SALES_REMINDER_BATCH,
      pollMs: config.SALES_REMINDER_POLL_MS,
      handle: (tx, job) => this.remind(tx, job.task_id),
    });
  }

  onApplicationBootstrap(): void {
    if (this.info.schemaOnly || !this.config.SALES_REMINDER_SCHEDULER) return;
    this.jobs.start();
  }

  private async remind(tx: Tx, taskId: string): Promise<void> {
    const task = await this.tasks.markReminded(tx, taskId);
    if (task) await emitTaskDue(tx, task);
  }

  /** One sweep; returns how many reminders it handled. Public so tests and operators can trigger it. */
  sweep(now: Date = new Date()): Promise<number> {
    return this.jobs.sweep(now);
  }

  onModuleDestroy(): Promise<void> {
    return this.jobs.stop();
  }
}
