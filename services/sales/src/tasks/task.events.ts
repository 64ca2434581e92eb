import { TaskCompletedV1, TaskCreatedV1, TaskDeletedV1, TaskDueV1, TaskUpdatedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import { remindAtOf, type TaskRow } from './task.repository';

const iso = (d: Date | string) => new Date(d).toISOString();

export function emitTaskCreated(tx: Tx, t: TaskRow, createdBy: string): Promise<void> {
  return tx.emit(TaskCreatedV1, t.id, { taskId: t.id, title: t.title, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, dueAt: iso(t.due_at), createdBy });
}

export function emitTaskCompleted(tx: Tx, t: TaskRow, completedBy: string): Promise<void> {
  if (!t.completed_at) throw new Error(`task ${t.id} is not completed`);
  return tx.emit(TaskCompletedV1, t.id, {
    taskId: t.id, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, completedBy, completedAt: iso(t.completed_at),
  });
}

export function emitTaskDue(tx: Tx, t: TaskRow): Promise<void> {
  return tx.emit(TaskDueV1, t.id, { taskId: t.id, title: t.title, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, dueAt: iso(t.due_at) });
}

export function emitTaskUpdated(tx: Tx, t: TaskRow, changed: string[], updatedBy: string): Promise<void> {
  return tx.emit(TaskUpdatedV1, t.id, {
    taskId: t.id, title: t.title, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, dueAt: iso(t.due_at), remindAt: iso(remindAtOf(t)),
    recurrence: t.recurrence, changed, updatedBy,
  });
}

export function emitTaskDeleted(tx: Tx, t: TaskRow, deletedBy: string): Promise<void> {
  return tx.emit(TaskDeletedV1, t.id, { taskId: t.id, assigneeId: t.assignee_id, dealId: t.deal_id, contactId: t.contact_id, deletedBy, deletedAt: new Date().toISOString() });
}
