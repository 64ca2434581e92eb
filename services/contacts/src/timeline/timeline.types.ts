import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Connection } from '@crm/platform';
import { ContactsSchemaScope } from '../schema-scope';

export enum InteractionKind {
  CALL = 'call',
  EMAIL = 'email',
  MEETING = 'meeting',
  NOTE = 'note',
}
registerEnumType(InteractionKind, { registerIn: ContactsSchemaScope, name: 'InteractionKind' });

@ObjectType({ registerIn: ContactsSchemaScope, description: 'One entry of the contact card history: logged here or appended from another module' })
export class Interaction {
  @Field(() => ID) id: string;
  @Field({ description: 'call, email, meeting, note — or what another module reports (deal, ticket, points, …)' }) kind: string;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body: string | null;
  @Field() occurredAt: Date;
  @Field(() => String, { nullable: true }) actorId: string | null;
  @Field({ description: 'Module that recorded it' }) sourceModule: string;
}

export const InteractionConnection = Connection(Interaction, ContactsSchemaScope, { countDescription: 'Entries of the contact (all pages); counted only when selected' });

@InputType({ registerIn: ContactsSchemaScope })
export class LogInteractionInput {
  @Field(() => ID) contactId: string;
  @Field(() => InteractionKind) kind: InteractionKind;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body?: string;
  @Field(() => Date, { nullable: true, description: 'Defaults to now' }) occurredAt?: Date;
}

