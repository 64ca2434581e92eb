import { Args, ID, Info, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { z } from 'zod';
import { badUserInput, conflict, currentUser, invalidField, isUuid, keysetPage, notFound, PageArgs, parseInput, RequirePermission, selectsField, SqlParams, UnitOfWork, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { Inject } from '@nestjs/common';
import { DocumentFormat, TenantProfiles } from '@crm/documents';
import { MarketingPermission } from '../permissions';
import { DELIVERY_CONFIG, type DeliveryConfig } from './delivery.config';
import { CallOutcome, CallTask, CallTaskConnection, CallTaskStatus, CompleteCallTaskInput, LetterBatch } from './delivery.types';
import { renderLetters } from './post/letter-pdf';

interface CallTaskRow {
  [column: string]: unknown;
  id: string; campaign_id: string; campaign_name: string; contact_id: string; recipient_name: string; phone: string; script: string;
  status: CallTaskStatus; outcome: CallOutcome | null; notes: string | null; done_by: string | null; done_at: Date | null; created_at: Date;
}

const toCallTask = (r: CallTaskRow): CallTask => ({
  id: r.id, campaignId: r.campaign_id, campaignName: r.campaign_name, contactId: r.contact_id, recipientName: r.recipient_name, phone: r.phone, script: r.script,
  status: r.status, outcome: r.outcome, notes: r.notes, doneBy: r.done_by, doneAt: r.done_at, createdAt: r.created_at,
});

/** The call list in the order the dispatcher queued it. */
const CALL_ORDER: KeysetOrder = { name: 'call_tasks', key: 'created_at', dir: 'ASC', timestamp: true };
const MAX_LETTERS = 1000;

const completeSchema = z.object({ outcome: z.enum(CallOutcome), notes: z.string().max(5000).nullish() });

@Resolver()
export class DeliveryResolver {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly profiles: TenantProfiles,
  ) {}

  @Query(() => CallTaskConnection, { description: 'The call list of a phone campaign, in queue order' })
  @RequirePermission(MarketingPermission['campaign.read'])
  callTasks(
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('status', { type: () => CallTaskStatus, nullable: true }) status: CallTaskStatus | undefined,
    @Args() page: PageArgs,
    @Info() info: GraphQLResolveInfo,
  ) {
    if (!isUuid(campaignId)) throw invalidField('campaignId', 'not an id');
    const p = keysetPage(CALL_ORDER, page);
    const withTotal = selectsField(info, 'totalCount');
    return this.uow.run(currentUser().tenantId, async (tx) => {
      const q = new SqlParams(tx.tenantId, campaignId);
      const where = q.where(['tenant_id = $1', 'campaign_id = $2', status && `status = ${q.p(status)}`]);
      const countParams = q.snapshot();
      const rows = await tx.query<CallTaskRow & KeysetRow>(
        `SELECT *, ${p.sortKey} AS sort_key FROM call_tasks WHERE ${q.where([where, p.afterSql(q.p)])} ORDER BY ${p.orderBy} LIMIT ${q.p(p.limit)}`,
        q.values,
      );
      const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM call_tasks WHERE ${where}`, countParams)).n : null;
      return p.connection(rows, (r) => r.map(toCallTask), n);
    });
  }

  @Mutation(() => CallTask, { description: 'Records the outcome of a call (once: a done task is a CONFLICT)' })
  @RequirePermission(MarketingPermission['call.write'])
  completeCallTask(@Args('id', { type: () => ID }) id: string, @Args('input') input: CompleteCallTaskInput) {
    const v = parseInput(completeSchema, input, 'input');
    const user = currentUser();
    if (!isUuid(id)) throw notFound(`no call task ${id}`);
    return this.uow.run(user.tenantId, async (tx) => {
      const row = await tx.maybeOne<CallTaskRow>(
        `UPDATE call_tasks SET status = 'done', outcome = $3, notes = $4, done_by = $5, done_at = now() WHERE tenant_id = $1 AND id = $2 AND status = 'open' RETURNING *`,
        [tx.tenantId, id, v.outcome, v.notes ?? null, user.userId],
      );
      if (row) return toCallTask(row);
      const exists = await tx.maybeOne(`SELECT 1 FROM call_tasks WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, id]);
      throw exists ? conflict(`call task ${id} is already done`) : notFound(`no call task ${id}`);
    });
  }

  @Query(() => LetterBatch, { description: `The letters of a post campaign as one PDF, in queue order; at most ${MAX_LETTERS} per batch (offset pages through a larger run)` })
  @RequirePermission(MarketingPermission['campaign.read'])
  async letterBatch(
    @Args('campaignId', { type: () => ID }) campaignId: string,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('limit', { type: () => Int, defaultValue: MAX_LETTERS }) limit: number,
  ) {
    const fields = [
      !isUuid(campaignId) && { field: 'campaignId', message: 'not an id' },
      (offset < 0) && { field: 'offset', message: 'must be 0 or more' },
      (limit < 1 || limit > MAX_LETTERS) && { field: 'limit', message: `must be between 1 and ${MAX_LETTERS}` },
    ].filter(Boolean) as { field: string; message: string }[];
    if (fields.length) throw badUserInput(fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
    const { rows, total, issuer } = await this.uow.run(currentUser().tenantId, async (tx) => ({
      rows: await tx.query<{ recipient_name: string; address_lines: string[]; body: string }>(
        `SELECT recipient_name, address_lines, body FROM letters WHERE tenant_id = $1 AND campaign_id = $2 ORDER BY created_at, message_id OFFSET $3 LIMIT $4`,
        [tx.tenantId, campaignId, offset, limit],
      ),
      total: (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM letters WHERE tenant_id = $1 AND campaign_id = $2`, [tx.tenantId, campaignId])).n,
      issuer: await this.profiles.documentIssuer(tx),
    }));
    // Drawn after the transaction, so no connection waits on the PDF. The company's profile signs the
    // letters; until it has one, the sender line is the mail sender as before.
    const generatedAt = new Date();
    const format = new DocumentFormat(issuer?.locale ?? 'en-US', issuer?.timeZone ?? 'UTC');
    const sender = issuer ? [issuer.legalName, ...issuer.addressLines].join(' · ') : this.config.mailFrom;
    const letters = rows.map((r) => ({ recipientName: r.recipient_name, addressLines: r.address_lines, body: r.body }));
    const pdf = await renderLetters(letters, { sender, date: format.date(generatedAt), locale: format.locale });
    return { campaignId, letterCount: rows.length, totalLetters: total, pdfBase64: pdf.toString('base64'), generatedAt };
  }
}
