import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/**
 * A task's due time was reached (a reminder). Subject = task id. Emitted once per due time by the
 * sales reminder scheduler, also when the service was down at that moment (it catches up on start).
 */
export const TaskDueV1 = defineEvent({
  type: 'crm.sales.task.due.v1',
  module: 'sales',
  aggregate: 'task',
  description: 'A task or reminder on a deal or contact became due; notify its assignee.',
  schema: z.object({
    taskId: uuid,
    title: z.string(),
    assigneeId: z.string(),
    dealId: uuid.nullable(),
    contactId: uuid.nullable(),
    dueAt: z.string(),
  }),
  example: {
    taskId: exampleIds.task,
    title: 'Call back about the proposal',
    assigneeId: 'user-1',
    dealId: exampleIds.deal,
    contactId: exampleIds.contact,
    dueAt: '2026-03-12T09:00:00.000Z',
  },
});
