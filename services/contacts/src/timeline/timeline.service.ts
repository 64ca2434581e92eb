import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { InteractionLoggedV1 } from '@crm/events';
import { badUserInput, EventPublisher, notFound, withTenant, type RequestContext, isUuid, Connection, keysetPage, type ConnectionValue, type KeysetArgs, type KeysetOrder } from '@crm/platform';
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

const TIMELINE_ORDER: KeysetOrder = { name: 'timeline', key: 'occurred_at', dir: 'DESC', timestamp: true };

@InputType({ registerIn: ContactsSchemaScope })
export class LogInteractionInput {
  @Field(() => ID) contactId: string;
  @Field(() => InteractionKind) kind: InteractionKind;
  @Field() summary: string;
  @Field(() => String, { nullable: true }) body?: string;
  @Field(() => Date, { nullable: true, description: 'Defaults to now' }) occurredAt?: Date;
}

const toInteraction = (r: any): Interaction => ({
  id: r.id, kind: r.kind, summary: r.summary, body: r.body, occurredAt: r.occurred_at, actorId: r.actor_id, sourceModule: r.source_module,
});

/**
 * The interaction timeline. Entries logged here emit interaction.logged; events of other modules
 * are appended by TimelineEvents (timeline-events.controller.ts).
 */
@Injectable()
export class TimelineService {
  constructor(
    private readonly ds: DataSource,
    private readonly events: EventPublisher,
  ) {}

  async log(ctx: RequestContext, input: LogInteractionInput): Promise<Interaction> {
    if (!input.summary.trim() || input.summary.length > 500) throw badUserInput('input.summary: must be 1-500 characters');
    if (input.body && input.body.length > 20000) throw badUserInput('input.body: must be at most 20000 characters');
    if (!isUuid(input.contactId)) throw badUserInput(`input.contactId: "${input.contactId.slice(0, 60)}" is not a contact id`);
    return withTenant(this.ds, ctx.tenantId, async (m) => {
      const [c] = await m.query(`SELECT id, merged_into, erased_at FROM contacts WHERE tenant_id = $1 AND id = $2 FOR SHARE`, [ctx.tenantId, input.contactId]);
      if (!c) throw notFound(`contact ${input.contactId} does not exist`);
      if (c.erased_at) throw badUserInput(`contact ${input.contactId} was erased`);
      const contactId = c.merged_into ?? c.id;
      const id = randomUUID();
      const occurredAt = input.occurredAt ?? new Date();
      const [row] = await m.query(
        `INSERT INTO interactions (id, tenant_id, contact_id, kind, summary, body, occurred_at, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [id, ctx.tenantId, contactId, input.kind, input.summary, input.body ?? null, occurredAt, ctx.userId],
      );
      await this.events.emit(m, ctx.tenantId, [
        { type: InteractionLoggedV1.type, subject: contactId, data: { interactionId: id, contactId, kind: input.kind, summary: input.summary, occurredAt: occurredAt.toISOString(), actorId: ctx.userId } },
      ]);
      return toInteraction(row);
    });
  }

  async page(tenantId: string, contactId: string, args: KeysetArgs, withTotal: boolean): Promise<ConnectionValue<Interaction>> {
    const page = keysetPage(TIMELINE_ORDER, args);
    const params: unknown[] = [tenantId, contactId];
    const p = (v: unknown) => `$${params.push(v)}`;
    const after = page.afterSql(p);
    return withTenant(this.ds, tenantId, async (m) => {
      const rows = await m.query(
        `SELECT *, ${page.sortKey} AS sort_key FROM interactions WHERE tenant_id = $1 AND contact_id = $2${after ? ` AND ${after}` : ''}
         ORDER BY ${page.orderBy} LIMIT ${p(page.limit)}`,
        params,
      );
      const n = withTotal ? (await m.query(`SELECT count(*)::int AS n FROM interactions WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId]))[0].n : null;
      return page.connection(rows, (r) => r.map(toInteraction), n);
    });
  }
}
