import { Field, ID } from '@nestjs/graphql';
import { Connection, InputType, ObjectType, registerEnumType } from '../schema-scope';

export enum InteractionKind {
  CALL = 'call',
  EMAIL = 'email',
  MEETING = 'meeting',
  NOTE = 'note',
}
registerEnumType(InteractionKind, { name: 'InteractionKind' });

@ObjectType({ description: 'One entry of the contact card history: logged here or appended from another module' })
export class Interaction {
  @Field(() => ID) id: string;
  @Field({ description: 'call, email, meeting, note — or what another module reports (deal, ticket, points, …)' }) kind: string;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body: string | null;
  @Field() occurredAt: Date;
  @Field(() => String, { nullable: true }) actorId: string | null;
  @Field({ description: 'Module that recorded it' }) sourceModule: string;
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

