import { z } from 'zod';
import { defineEvent } from '../../contract';
import { uuid } from '../common';
import { exampleIds } from './money';

/** A task or reminder was created on a deal and/or contact. Subject = task id. Notes stay in sales. */
export const TaskCreatedV1 = defineEvent({
  type: 'crm.sales.task.created.v1',
  module: 'sales',
  aggregate: 'task',
  description: 'A task or reminder was created for an assignee, on a deal and/or a contact, due at a time (task.due follows then).',
  schema: z.object({
    taskId: uuid,
    title: z.string(),
    assigneeId: z.string(),
    dealId: uuid.nullable(),
    contactId: uuid.nullable(),
    dueAt: z.string(),
    createdBy: z.string(),
  }),
  example: {
    taskId: exampleIds.task,
    title: 'Call back about the proposal',
    assigneeId: 'user-1',
    dealId: exampleIds.deal,
    contactId: exampleIds.contact,
    dueAt: '2026-03-12T09:00:00.000Z',
    createdBy: 'user-2',
  },
});
