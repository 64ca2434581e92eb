import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { EventPublisher, JobQueue, JobScheduler, LOGGER, SERVICE_INFO, type JobRow, type ServiceInfo, type Tx } from '@crm/platform';
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
export class ReminderScheduler extends JobQueue<ReminderJob> {
  protected readonly jobs: JobScheduler<ReminderJob>;

  constructor(
    ds: DataSource,
    events: EventPublisher,
    @Inject(SALES_CONFIG) private readonly config: SalesConfig,
    @Inject(SERVICE_INFO) protected readonly info: ServiceInfo,
    @Inject(LOGGER) log: Logger,
    private readonly tasks: TaskRepository,
  ) {
    super();
    this.jobs = new JobScheduler<ReminderJob>(ds, events, log, {
      name: 'task reminders',
      table: 'task_reminders',
      idColumn: 'task_id',
      batch: config.SALES_REMINDER_BATCH,
      pollMs: config.SALES_REMINDER_POLL_MS,
      handle: (tx, job) => this.remind(tx, job.task_id),
    });
  }

  protected override enabled(): boolean {
    return this.config.SALES_REMINDER_SCHEDULER;
  }

  private async remind(tx: Tx, taskId: string): Promise<void> {
    const task = await this.tasks.markReminded(tx, taskId);
    if (task) await emitTaskDue(tx, task);
  }
}
