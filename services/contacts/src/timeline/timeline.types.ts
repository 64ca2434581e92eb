import { Field, ID } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum InteractionKind {
  CALL = 'call',
  EMAIL = 'email',
  MEETING = 'meeting',
  NOTE = 'note',
}
registerEnumType(InteractionKind, { name: 'InteractionKind' });

@ObjectType({ description: 'An entry as it was before a correction' })
export class InteractionRevision {
  @Field({ description: 'When it was corrected' }) editedAt: Date;
  @Field({ description: 'Who corrected it' }) editedBy: string;
  @Field() kind: string;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body: string | null;
  @Field() occurredAt: Date;
}

@ObjectType({ description: 'One entry of the contact card history: logged here or appended from another module' })
export class Interaction {
  @Field(() => ID) id: string;
  @Field({ description: 'call, email, meeting, note — or what another module reports (deal, ticket, points, …)' }) kind: string;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body: string | null;
  @Field() occurredAt: Date;
  @Field(() => String, { nullable: true }) actorId: string | null;
  @Field({ description: 'Module that recorded it' }) sourceModule: string;
  @Field(() => Date, { nullable: true, description: 'Last correction (editInteraction)' }) editedAt: Date | null;
  @Field(() => String, { nullable: true, description: 'User who made the last correction' }) editedBy: string | null;
  @Field(() => [InteractionRevision], { description: 'Earlier versions, oldest first: the values before each correction' }) revisions: InteractionRevision[];
}

export const InteractionConnection = Connection(Interaction, { countDescription: 'Entries of the contact (all pages); counted only when selected' });

@InputType()
export class LogInteractionInput {
  @Field(() => ID) contactId: string;
  @Field(() => InteractionKind) kind: InteractionKind;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body?: string;
  @Field(() => Date, { nullable: true, description: 'Defaults to now' }) occurredAt?: Date;
}


@InputType({ description: 'Fields left out stay as they are; body null clears it' })
export class EditInteractionInput {
  @Field(() => InteractionKind, { nullable: true }) kind?: InteractionKind;
  @Field(() => String, { nullable: true }) summary?: string;
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => Date, { nullable: true }) occurredAt?: Date;
}

@InputType({ description: 'Entries of these kinds and modules only (each list: any of; absent or empty: all)' })
export class TimelineFilter {
  @Field(() => [String], { nullable: true, description: 'call, email, meeting, note, or a kind another module reports (deal, …)' }) kinds?: string[];
  @Field(() => [String], { nullable: true, description: 'contacts, sales, …' }) modules?: string[];
}
