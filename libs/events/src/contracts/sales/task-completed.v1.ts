import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/** A task was completed (its reminder, if not yet due, will not fire). Subject = task id. */
export const TaskCompletedV1 = defineEvent({
  type: 'crm.sales.task.completed.v1',
  module: 'sales',
  aggregate: 'task',
  description: 'A task was marked done.',
  schema: z.object({
    taskId: uuid,
    assigneeId: z.string(),
    dealId: uuid.nullable(),
    contactId: uuid.nullable(),
    completedBy: z.string(),
    completedAt: z.string(),
  }),
  example: {
    taskId: exampleIds.task,
    assigneeId: 'user-1',
    dealId: exampleIds.deal,
    contactId: exampleIds.contact,
    completedBy: 'user-1',
    completedAt: '2026-03-12T10:00:00.000Z',
  },
});
