import { Field, ID, Int } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum TaskStatus {
  OPEN = 'open',
  DONE = 'done',
}
registerEnumType(TaskStatus, { name: 'TaskStatus' });

export enum TaskRecurrence {
  DAILY = 'daily',
  WEEKLY = 'weekly',
  MONTHLY = 'monthly',
}
registerEnumType(TaskRecurrence, {
  name: 'TaskRecurrence',
  description: 'Completing a recurring task creates the next one. MONTHLY keeps the day of month of the first due time, clamped to shorter months (on the assignee’s wall clock: their time zone, else the tenant’s; UTC when unknown)',
});

@ObjectType({ description: 'A to-do or reminder on a deal and/or a contact; task.due.v1 is emitted when it becomes due' })
export class Task {
  @Field(() => ID) id: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field(() => ID, { nullable: true }) dealId: string | null;
  @Field(() => ID, { nullable: true }) contactId: string | null;
  @Field() assigneeId: string;
  @Field() dueAt: Date;
  @Field(() => Date, { nullable: true, description: 'When the reminder fired' }) remindedAt: Date | null;
  @Field(() => TaskStatus) status: TaskStatus;
  @Field(() => Date, { nullable: true }) completedAt: Date | null;
  @Field() createdAt: Date;
  @Field(() => Int, { description: 'The reminder (task.due.v1) fires this many minutes before dueAt; 0: at dueAt' }) remindMinutesBefore: number;
  @Field({ description: 'When the reminder fires' }) remindAt: Date;
  @Field(() => TaskRecurrence, { nullable: true }) recurrence: TaskRecurrence | null;
  @Field(() => ID, { nullable: true, description: 'The task of the series this one follows (completing it created this one)' }) previousTaskId: string | null;
}

@InputType()
export class CreateTaskInput {
  @Field() title: string;
  @Field(() => String, { nullable: true }) notes?: string;
  @Field(() => ID, { nullable: true, description: 'Deal and/or contact: at least one' }) dealId?: string;
  @Field(() => ID, { nullable: true }) contactId?: string;
  @Field(() => String, { nullable: true, description: 'Default: the caller' }) assigneeId?: string;
  @Field() dueAt: Date;
  @Field(() => Int, { nullable: true, description: 'Remind this many minutes before dueAt (0 to 40320, four weeks); default 0' }) remindMinutesBefore?: number;
  @Field(() => TaskRecurrence, { nullable: true }) recurrence?: TaskRecurrence;
}

@InputType({ description: 'Fields left out stay as they are; null clears notes or recurrence' })
export class UpdateTaskInput {
  @Field(() => String, { nullable: true }) title?: string;
  @Field(() => String, { nullable: true }) notes?: string | null;
  @Field(() => String, { nullable: true, description: 'Reassign' }) assigneeId?: string;
  @Field(() => Date, { nullable: true, description: 'Reschedule: the reminder is scheduled again' }) dueAt?: Date;
  @Field(() => Int, { nullable: true }) remindMinutesBefore?: number;
  @Field(() => TaskRecurrence, { nullable: true }) recurrence?: TaskRecurrence | null;
}

@InputType()
export class TaskFilter {
  @Field(() => String, { nullable: true }) assigneeId?: string;
  @Field(() => ID, { nullable: true, description: 'Tasks assigned to a member of this team' }) teamId?: string;
  @Field(() => TaskStatus, { nullable: true }) status?: TaskStatus;
  @Field(() => ID, { nullable: true }) dealId?: string;
  @Field(() => ID, { nullable: true }) contactId?: string;
}

export const TaskConnection = Connection(Task);
