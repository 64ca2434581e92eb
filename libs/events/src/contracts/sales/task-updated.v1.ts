import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/**
 * An open task was changed: rescheduled, reassigned, retitled, its reminder or recurrence changed.
 * Subject = task id. Carries the task as it now is and the names of the changed fields (`changed`).
 * `remindAt` is when task.due will be emitted (dueAt minus the reminder's lead time). Notes stay in sales.
 */
export const TaskUpdatedV1 = defineEvent({
  type: 'crm.sales.task.updated.v1',
  module: 'sales',
  aggregate: 'task',
  description: 'An open task was rescheduled, reassigned or otherwise changed; carries the task as it now is and the changed fields.',
  schema: z.object({
    taskId: uuid,
    title: z.string(),
    assigneeId: z.string(),
    dealId: uuid.nullable(),
    contactId: uuid.nullable(),
    dueAt: z.string(),
    remindAt: z.string(),
    recurrence: z.enum(['daily', 'weekly', 'monthly']).nullable(),
    changed: z.array(z.string()),
    updatedBy: z.string(),
  }),
  example: {
    taskId: exampleIds.task,
    title: 'Call back about the proposal',
    assigneeId: 'user-3',
    dealId: exampleIds.deal,
    contactId: exampleIds.contact,
    dueAt: '2026-03-13T09:00:00.000Z',
    remindAt: '2026-03-13T08:45:00.000Z',
    recurrence: null,
    changed: ['dueAt', 'assigneeId', 'remindMinutesBefore'],
    updatedBy: 'user-1',
  },
});

/** A task was deleted (it and its pending reminder are gone). Subject = task id. */
export const TaskDeletedV1 = defineEvent({
  type: 'crm.sales.task.deleted.v1',
  module: 'sales',
  aggregate: 'task',
  description: 'A task was deleted, with its pending reminder.',
  schema: z.object({ taskId: uuid, assigneeId: z.string(), dealId: uuid.nullable(), contactId: uuid.nullable(), deletedBy: z.string(), deletedAt: z.string() }),
  example: { taskId: exampleIds.task, assigneeId: 'user-1', dealId: exampleIds.deal, contactId: exampleIds.contact, deletedBy: 'user-1', deletedAt: '2026-03-12T10:00:00.000Z' },
});
