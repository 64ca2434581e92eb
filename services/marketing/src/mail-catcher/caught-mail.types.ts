import { Field, ID } from '@nestjs/graphql';
import { Connection, ObjectType } from '../schema-scope';

@ObjectType({ description: 'A raw header line of a caught email' })
export class MailHeader {
  @Field() name: string;
  @Field() value: string;
}

@ObjectType({ description: 'An email the embedded mail catcher received (development: MARKETING_SMTP_URL unset)' })
export class CaughtMail {
  @Field(() => ID) id: string;
  @Field(() => ID, { nullable: true, description: 'The campaign message it carries' }) messageId: string | null;
  @Field() from: string;
  @Field() to: string;
  @Field(() => String, { nullable: true }) subject: string | null;
  @Field(() => String, { nullable: true, description: 'The plain-text part' }) text: string | null;
  @Field(() => String, { nullable: true, description: 'The HTML part, with its tracked links and open pixel' }) html: string | null;
  @Field(() => [MailHeader]) headers: MailHeader[];
  @Field() receivedAt: Date;
}

export const CaughtMailConnection = Connection(CaughtMail);
