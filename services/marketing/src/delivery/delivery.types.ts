import { Field, ID, Int } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum CallTaskStatus {
  OPEN = 'open',
  DONE = 'done',
}
registerEnumType(CallTaskStatus, { name: 'CallTaskStatus' });

export enum CallOutcome {
  REACHED = 'reached',
  NO_ANSWER = 'no_answer',
  VOICEMAIL = 'voicemail',
  WRONG_NUMBER = 'wrong_number',
  DECLINED = 'declined',
  CALLBACK = 'callback',
}
registerEnumType(CallOutcome, { name: 'CallOutcome' });

@ObjectType({ description: 'A call an agent makes for a phone campaign (the phone channel’s delivery)' })
export class CallTask {
  @Field(() => ID, { description: 'The campaign message it delivers' }) id: string;
  @Field(() => ID) campaignId: string;
  @Field() campaignName: string;
  @Field(() => ID) contactId: string;
  @Field() recipientName: string;
  @Field() phone: string;
  @Field({ description: 'The call script, personalised' }) script: string;
  @Field(() => CallTaskStatus) status: CallTaskStatus;
  @Field(() => CallOutcome, { nullable: true }) outcome: CallOutcome | null;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field(() => String, { nullable: true }) doneBy: string | null;
  @Field(() => Date, { nullable: true }) doneAt: Date | null;
  @Field() createdAt: Date;
}

export const CallTaskConnection = Connection(CallTask);

@InputType()
export class CompleteCallTaskInput {
  @Field(() => CallOutcome) outcome: CallOutcome;
  @Field(() => String, { nullable: true }) notes?: string | null;
}

@ObjectType({ description: 'The letters of a post campaign as one print-ready PDF (A4, one page per letter, window-envelope address block)' })
export class LetterBatch {
  @Field(() => ID) campaignId: string;
  @Field(() => Int, { description: 'Letters in this batch' }) letterCount: number;
  @Field(() => Int, { description: 'Letters of the campaign in all' }) totalLetters: number;
  @Field({ description: 'The PDF, base64 (application/pdf)' }) pdfBase64: string;
  @Field() generatedAt: Date;
}
