import { Field, ID } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum TaskStatus {
  OPEN = 'open',
  DONE = 'done',
}
registerEnumType(TaskStatus, { name: 'TaskStatus' });

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
}

@InputType()
export class CreateTaskInput {
  @Field() title: string;
  @Field(() => String, { nullable: true }) notes?: string;
  @Field(() => ID, { nullable: true, description: 'Deal and/or contact: at least one' }) dealId?: string;
  @Field(() => ID, { nullable: true }) contactId?: string;
  @Field(() => String, { nullable: true, description: 'Default: the caller' }) assigneeId?: string;
  @Field() dueAt: Date;
}

@InputType()
export class TaskFilter {
  @Field(() => String, { nullable: true }) assigneeId?: string;
  @Field(() => TaskStatus, { nullable: true }) status?: TaskStatus;
  @Field(() => ID, { nullable: true }) dealId?: string;
  @Field(() => ID, { nullable: true }) contactId?: string;
}

export const TaskConnection = Connection(Task);
