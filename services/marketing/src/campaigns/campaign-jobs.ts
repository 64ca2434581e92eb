import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { CampaignWinnerChosenV1, MessageBouncedV1, MessageSentV1, type EventData } from '@crm/events';
import { EventPublisher, JobQueue, JobScheduler, LOGGER, SERVICE_INFO, type JobRow, type ServiceInfo, type Tx } from '@crm/platform';
import { ChannelAdapters, type Channel, type DeliveryReceipt, type OutboundMessage } from '../delivery/channel.port';
import { routePass } from '../routing/route.sql';
import { emitCampaignCompleted, emitCampaignStarted, emitRouted } from './campaign.events';
import { CampaignRepository, type JobKind, type StepRow, type VariantRow } from './campaign.repository';
import { type Campaign, CampaignStatus, type ChannelMessages, FollowUpCondition } from './campaign.types';
import { CAMPAIGNS_CONFIG, type CampaignsConfig } from './campaigns.config';
import { render, type RenderContact } from './render';

interface CampaignJob extends JobRow {
  id: string;
  payload: { kind: JobKind; campaignId: string; stepId?: string };
}

/** One queued message with what rendering needs of its recipient (read from the replica at send time). */
interface ClaimedMessage {
  [column: string]: unknown;
  id: string; contact_id: string; channel: Channel; address: string; variant: string | null; step_id: string | null; attempts: number;
  first_name: string | null; last_name: string | null; display_name: string | null; company_name: string | null; primary_email: string | null;
  primary_phone: string | null; country: string | null; custom_fields: Record<string, unknown> | null;
}

/** Round length of a throttled channel: `perMinute / 60` messages per second of round. */
const THROTTLE_ROUND_MS = 1000;

/**
 * The campaign engine, one durable job queue (`campaign_jobs`, the kernel's JobScheduler: FOR UPDATE
 * SKIP LOCKED, every replica may sweep, each job runs once, in a transaction bound to its tenant):
 *
 * - `start` routes the audience (set-based SQL, one INSERT for every recipient), emits the routing
 *   events, marks the campaign running and queues a `dispatch` (plus the A/B decision and follow-ups);
 * - `dispatch` claims queued messages per channel (row locks, SKIP LOCKED), renders each, hands it to
 *   its ChannelAdapter and, in the same transaction, marks it sent and writes MessageSentV1 — then
 *   queues the next round, or completes the campaign;
 * - `ab_decide` picks the winning variant by its metric and routes the rest of the audience with it;
 * - `step` routes a follow-up to the recipients matching its condition.
 *
 * Delivery guarantee: the marks and events of a round commit after the adapters accepted the
 * messages. A crash in between rolls the round back and the messages are sent again after restart:
 * at-least-once at the provider, with the message id as Message-ID / client reference so the
 * provider (or the adapter) drops the repeat. A graceful stop (app.close) waits for the round in
 * flight to commit: nothing is lost or repeated.
 */
@Injectable()
export class CampaignJobs extends JobQueue<CampaignJob> {
  protected readonly jobs: JobScheduler<CampaignJob>;

  constructor(
    ds: DataSource,
    events: EventPublisher,
    @Inject(CAMPAIGNS_CONFIG) private readonly config: CampaignsConfig,
    @Inject(SERVICE_INFO) protected readonly info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly campaigns: CampaignRepository,
    // src/delivery's adapters (DeliveryModule exports them).
    private readonly adapters: ChannelAdapters,
  ) {
    super();
    this.jobs = new JobScheduler<CampaignJob>(ds, events, log, {
      name: 'campaign jobs',
      table: 'campaign_jobs',
      batch: 20,
      pollMs: config.MARKETING_CAMPAIGN_POLL_MS,
      handle: (tx, job) => this.handle(tx, job),
    });
  }

  protected override enabled(): boolean {
    return this.config.MARKETING_CAMPAIGN_SCHEDULER;
  }

  private channelAdapters(): ChannelAdapters {
    return this.adapters;
  }

  private async handle(tx: Tx, job: CampaignJob): Promise<void> {
    // FOR SHARE: a pause or cancel waits for this job's transaction, so once it returns nothing more is sent.
    const campaign = await tx.maybeOne<{ id: string }>(`SELECT id FROM campaigns WHERE tenant_id = $1 AND id = $2 FOR SHARE`, [tx.tenantId, job.payload.campaignId]);
    const c = campaign && (await this.campaigns.get(tx, campaign.id));
    if (!c) return;
    switch (job.payload.kind) {
      case 'start':
        return this.start(tx, c);
      case 'dispatch':
        return this.dispatch(tx, c);
      case 'ab_decide':
        return this.decide(tx, c, job);
      case 'step':
        return this.step(tx, c, job);
    }
  }

  // ---- start: route the audience

  private async start(tx: Tx, c: Campaign): Promise<void> {
    if (c.status !== CampaignStatus.SCHEDULED) return;
    const variants = await this.campaigns.variants(tx, c.id);
    const rows = await routePass(tx, {
      campaignId: c.id,
      stepId: null,
      allowed: c.channels,
      includeSegmentIds: c.includeSegmentIds,
      excludeSegmentIds: c.excludeSegmentIds,
      mode: c.abTest ? 'sample' : 'all',
      variants: variants.map((v) => ({ key: v.key, channelOrder: v.channel_order })),
      testShare: c.abTest?.testShare ?? 1,
      winner: null,
      window: c.sendWindow,
    });
    await emitRouted(tx, c.id, rows);
    const started = await this.campaigns.setStatus(tx, c.id, CampaignStatus.RUNNING, 'started_at = now()');
    const queued = rows.filter((r) => r.status === 'queued').length;
    await emitCampaignStarted(tx, started, queued, rows.length - queued);
    await this.campaigns.enqueueJob(tx, 'dispatch', c.id, null);
    if (c.abTest) await this.campaigns.enqueueJob(tx, 'ab_decide', c.id, new Date(Date.now() + c.abTest.durationHours * 3_600_000));
    for (const s of await this.campaigns.steps(tx, c.id)) {
      await this.campaigns.enqueueJob(tx, 'step', c.id, new Date(Date.now() + Number(s.after_hours) * 3_600_000), { stepId: s.id });
    }
  }

  // ---- dispatch: one round of sends

  private async dispatch(tx: Tx, c: Campaign): Promise<void> {
    if (c.status !== CampaignStatus.RUNNING) return; // paused: resume queues the next round; cancelled/completed: done
    await this.deferQuietHours(tx, c);
    const variants = new Map((await this.campaigns.variants(tx, c.id)).map((v) => [v.key, v]));
    const steps = new Map((await this.campaigns.steps(tx, c.id)).map((s) => [s.id, s]));
    const channels = [...new Set([...c.channels, ...[...steps.values()].flatMap((s) => s.channels)])];
    let throttled = false;
    for (const channel of channels) {
      const perMinute = c.throttle[channel as keyof typeof c.throttle];
      const limit = perMinute ? Math.max(1, Math.floor((perMinute * THROTTLE_ROUND_MS) / 60_000)) : this.config.MARKETING_DISPATCH_BATCH;
      const claimed = await this.claim(tx, c.id, channel, limit);
      if (perMinute && claimed.length === limit) throttled = true;
      if (claimed.length) await this.send(tx, c, claimed, variants, steps);
    }
    // The earliest queued message, per channel through the queue index (a scan of every queued row per round would be quadratic).
    const next = await tx.maybeOne<{ due_at: Date | null }>(
      `SELECT min(first.due_at) AS due_at FROM unnest($3::text[]) AS ch(channel)
       CROSS JOIN LATERAL (SELECT due_at FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 AND channel = ch.channel AND status = 'queued' ORDER BY due_at LIMIT 1) first`,
      [tx.tenantId, c.id, channels],
    );
    if (next?.due_at) {
      const due = new Date(Math.max(next.due_at.getTime(), throttled ? Date.now() + THROTTLE_ROUND_MS : 0));
      await this.campaigns.enqueueJob(tx, 'dispatch', c.id, due);
    } else await this.maybeComplete(tx, c);
  }

  /** Messages due in the recipient's quiet hours (their time zone, else the tenant's) wait until the quiet hours end. */
  private async deferQuietHours(tx: Tx, c: Campaign): Promise<void> {
    if (!c.quietHours) return;
    await tx.query(
      `WITH zones AS (SELECT name FROM pg_timezone_names),
            tenant AS (SELECT COALESCE(max(default_time_zone), 'UTC') AS tz FROM campaign_settings WHERE tenant_id = $1),
            local AS (
              SELECT m.id, l.z, now() AT TIME ZONE l.z AS lt
              FROM campaign_messages m
              LEFT JOIN contact_replica r ON r.tenant_id = m.tenant_id AND r.contact_id = m.contact_id
              CROSS JOIN LATERAL (SELECT CASE WHEN r.time_zone IN (SELECT name FROM zones) THEN r.time_zone ELSE (SELECT tz FROM tenant) END AS z) l
              WHERE m.tenant_id = $1 AND m.campaign_id = $2 AND m.status = 'queued' AND COALESCE(m.due_at, now()) <= now())
       UPDATE campaign_messages m SET due_at = CASE
           WHEN l.lt::time >= $3::time AND $3::time > $4::time THEN (l.lt::date + 1 + $4::time) AT TIME ZONE l.z
           ELSE (l.lt::date + $4::time) AT TIME ZONE l.z END
       FROM local l
       WHERE m.id = l.id AND CASE WHEN $3::time < $4::time THEN l.lt::time >= $3::time AND l.lt::time < $4::time
                                  ELSE l.lt::time >= $3::time OR l.lt::time < $4::time END`,
      [tx.tenantId, c.id, c.quietHours.start, c.quietHours.end],
    );
  }

  private claim(tx: Tx, campaignId: string, channel: Channel, limit: number): Promise<ClaimedMessage[]> {
    return tx.query<ClaimedMessage>(
      `SELECT m.id, m.contact_id, m.channel, m.address, m.variant, m.step_id, m.attempts,
              r.first_name, r.last_name, r.display_name, r.company_name, r.primary_email, r.primary_phone, to_jsonb(r)->>'country' AS country,
              to_jsonb(r)->'custom_fields' AS custom_fields
       FROM campaign_messages m
       LEFT JOIN contact_replica r ON r.tenant_id = m.tenant_id AND r.contact_id = m.contact_id
       WHERE m.tenant_id = $1 AND m.campaign_id = $2 AND m.channel = $3 AND m.status = 'queued' AND m.due_at <= now()
       -- due_at alone: the queue index's order, so a round reads its LIMIT rows, not every queued one
       ORDER BY m.due_at
       LIMIT $4
       FOR UPDATE OF m SKIP LOCKED`,
      [tx.tenantId, campaignId, channel, limit],
    );
  }

  private async send(tx: Tx, c: Campaign, claimed: ClaimedMessage[], variants: Map<string, VariantRow>, steps: Map<string, StepRow>): Promise<void> {
    const adapters = this.channelAdapters();
    const outbound = claimed.map((m) => this.compose(tx.tenantId, c, m, variants, steps));
    const results: ({ ok: DeliveryReceipt } | { error: string })[] = new Array(outbound.length);
    let next = 0;
    const worker = async () => {
      while (next < outbound.length) {
        const i = next++;
        try {
          results[i] = { ok: await adapters.get(outbound[i].channel).send(outbound[i]) };
        } catch (err) {
          results[i] = { error: (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 2000) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.MARKETING_DISPATCH_CONCURRENCY, outbound.length) }, worker));

    const sentAt = new Date();
    const sent: number[] = [];
    const bounced: number[] = [];
    const retried: number[] = [];
    results.forEach((r, i) => ('error' in r ? retried : r.ok.permanentFailure ? bounced : sent).push(i));
    const col = <T>(idx: number[], f: (i: number) => T) => idx.map(f);
    if (sent.length) {
      await tx.query(
        `UPDATE campaign_messages m SET status = 'sent', sent_at = $2, provider_message_id = u.pid, subject = u.subject, body_text = u.body_text, body_html = u.body_html, last_error = NULL
         FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(id, pid, subject, body_text, body_html) WHERE m.id = u.id`,
        [col(sent, (i) => outbound[i].messageId), sentAt, col(sent, (i) => ('ok' in results[i] ? (results[i] as { ok: DeliveryReceipt }).ok.providerMessageId : null)),
          col(sent, (i) => outbound[i].subject), col(sent, (i) => outbound[i].text), col(sent, (i) => outbound[i].html)],
      );
      await tx.emitMany(
        MessageSentV1,
        sent.map((i): { subject: string; data: EventData<typeof MessageSentV1> } => ({
          subject: outbound[i].messageId,
          data: { messageId: outbound[i].messageId, campaignId: c.id, campaignName: c.name, contactId: outbound[i].contactId, channel: outbound[i].channel, variant: outbound[i].variant, sentAt: sentAt.toISOString() },
        })),
      );
    }
    if (bounced.length) {
      const diagnostic = (i: number) => (results[i] as { ok: DeliveryReceipt }).ok.permanentFailure!.diagnostic;
      await tx.query(
        `UPDATE campaign_messages m SET status = 'bounced', bounced_at = now(), last_error = u.err FROM unnest($1::uuid[], $2::text[]) AS u(id, err) WHERE m.id = u.id`,
        [col(bounced, (i) => outbound[i].messageId), col(bounced, diagnostic)],
      );
      // A refusal at hand-over is a hard bounce, reported like a provider's: the event, and for email
      // (an SMTP 5xx names the mailbox) the address on the suppression list so no campaign retries it.
      const emails = bounced.filter((i) => outbound[i].channel === 'email');
      if (emails.length) {
        await tx.query(
          `INSERT INTO suppressions (tenant_id, channel, address, reason, created_at) SELECT $1, 'email', a, 'hard_bounce', now() FROM unnest($2::text[]) AS a ON CONFLICT DO NOTHING`,
          [tx.tenantId, col(emails, (i) => outbound[i].address)],
        );
      }
      await tx.emitMany(
        MessageBouncedV1,
        bounced.map((i): { subject: string; data: EventData<typeof MessageBouncedV1> } => ({
          subject: outbound[i].messageId,
          data: {
            messageId: outbound[i].messageId, campaignId: c.id, campaignName: c.name, contactId: outbound[i].contactId, channel: outbound[i].channel,
            variant: outbound[i].variant, kind: 'hard', diagnostic: diagnostic(i).slice(0, 500), bouncedAt: sentAt.toISOString(),
          },
        })),
      );
    }
    if (retried.length) {
      // Backoff 1 min, 2, 4…; after MARKETING_DISPATCH_MAX_ATTEMPTS the message is failed for good.
      await tx.query(
        `UPDATE campaign_messages m SET attempts = m.attempts + 1, last_error = u.err,
           status = CASE WHEN m.attempts + 1 >= $3 THEN 'failed' ELSE 'queued' END,
           due_at = now() + make_interval(mins => power(2, m.attempts)::int)
         FROM unnest($1::uuid[], $2::text[]) AS u(id, err) WHERE m.id = u.id`,
        [col(retried, (i) => outbound[i].messageId), col(retried, (i) => (results[i] as { error: string }).error), this.config.MARKETING_DISPATCH_MAX_ATTEMPTS],
      );
      this.log.warn({ campaignId: c.id, failed: retried.length, example: (results[retried[0]] as { error: string }).error }, 'campaign messages failed to send; will retry');
    }
  }

  /** The message as it leaves: the content of its step or variant, personalised for the recipient. */
  private compose(tenantId: string, c: Campaign, m: ClaimedMessage, variants: Map<string, VariantRow>, steps: Map<string, StepRow>): OutboundMessage {
    const variant = m.variant ? variants.get(m.variant) : undefined;
    const base: ChannelMessages = m.step_id ? (steps.get(m.step_id)?.messages ?? {}) : { ...c.messages, ...(variant?.messages ?? {}) };
    const contact: RenderContact = {
      firstName: m.first_name, lastName: m.last_name, displayName: m.display_name, company: m.company_name, email: m.primary_email,
      phone: m.primary_phone, country: m.country, custom: m.custom_fields ?? {},
    };
    const out = { tenantId, messageId: m.id, campaignId: c.id, campaignName: c.name, contactId: m.contact_id, channel: m.channel, variant: m.variant, address: m.address, recipientName: m.display_name ?? '' };
    switch (m.channel) {
      case 'email': {
        const e = base.email!;
        const subject = (!m.step_id && variant?.subject) || e.subject;
        return { ...out, subject: render(subject, contact), html: render(e.html, contact, true), text: render(e.text, contact) };
      }
      case 'sms':
        return { ...out, subject: null, html: null, text: render(base.sms!.text, contact) };
      case 'post':
        return { ...out, subject: null, html: null, text: render(base.post!.text, contact) };
      case 'phone':
        return { ...out, subject: null, html: null, text: render(base.phone!.script, contact) };
      case 'social':
        return { ...out, subject: null, html: null, text: render(base.social!.text, contact) };
    }
  }

  /** Completed once nothing is queued and no A/B decision or follow-up is pending. */
  private async maybeComplete(tx: Tx, c: Campaign): Promise<void> {
    if (c.status !== CampaignStatus.RUNNING) return;
    if (c.abTest && !c.abWinner) return;
    const pendingStep = await tx.maybeOne(`SELECT 1 FROM campaign_steps WHERE tenant_id = $1 AND campaign_id = $2 AND fired_at IS NULL`, [tx.tenantId, c.id]);
    if (pendingStep) return;
    const inFlight = await tx.maybeOne(`SELECT 1 FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 AND status IN ('queued', 'sending') LIMIT 1`, [tx.tenantId, c.id]);
    if (inFlight) return;
    const counts = await tx.one<{ sent: number; failed: number; skipped: number }>(
      `SELECT count(*) FILTER (WHERE status IN ('sent','delivered','bounced'))::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed,
              count(*) FILTER (WHERE status = 'skipped')::int AS skipped
       FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2`,
      [tx.tenantId, c.id],
    );
    const done = await this.campaigns.setStatus(tx, c.id, CampaignStatus.COMPLETED, 'completed_at = now()');
    await emitCampaignCompleted(tx, done, counts);
  }

  // ---- A/B decision

  private async decide(tx: Tx, c: Campaign, job: CampaignJob): Promise<void> {
    if (c.status === CampaignStatus.PAUSED) return this.campaigns.enqueueJob(tx, job.payload.kind, c.id, new Date(Date.now() + 60_000));
    if (c.status !== CampaignStatus.RUNNING || !c.abTest || c.abWinner) return;
    const counts = await this.campaigns.variantCounts(tx, c.id);
    const variants = await this.campaigns.variants(tx, c.id);
    const rates: Record<string, number> = {};
    for (const v of variants) {
      const k = counts.find((x) => x.variant === v.key);
      const hits = !k ? 0 : c.abTest.metric === 'open' ? k.opened : c.abTest.metric === 'click' ? k.clicked : k.converted;
      rates[v.key] = k && k.sent ? hits / k.sent : 0;
    }
    // Highest rate wins; a tie goes to the earlier key (A before B): the control stays unless beaten.
    const winner = variants.map((v) => v.key).sort((a, b) => rates[b] - rates[a] || a.localeCompare(b))[0];
    await this.campaigns.setWinner(tx, c.id, winner);
    await tx.emit(CampaignWinnerChosenV1, c.id, { campaignId: c.id, name: c.name, actor: 'system', at: new Date().toISOString(), winner, metric: c.abTest.metric, rates });
    const rows = await routePass(tx, {
      campaignId: c.id, stepId: null, allowed: c.channels, includeSegmentIds: c.includeSegmentIds, excludeSegmentIds: c.excludeSegmentIds,
      mode: 'rest', variants: variants.map((v) => ({ key: v.key, channelOrder: v.channel_order })), testShare: 1, winner, window: c.sendWindow,
    });
    await emitRouted(tx, c.id, rows);
    if (!(await this.campaigns.hasPendingJob(tx, 'dispatch', c.id))) await this.campaigns.enqueueJob(tx, 'dispatch', c.id, null);
  }

  // ---- follow-up steps

  private async step(tx: Tx, c: Campaign, job: CampaignJob): Promise<void> {
    if (c.status === CampaignStatus.PAUSED) return this.campaigns.enqueueJob(tx, 'step', c.id, new Date(Date.now() + 60_000), { stepId: job.payload.stepId });
    if (c.status !== CampaignStatus.RUNNING) return;
    const s = (await this.campaigns.steps(tx, c.id)).find((x) => x.id === job.payload.stepId);
    if (!s || s.fired_at) return;
    const cond: Record<FollowUpCondition, string> = {
      not_opened: 'opened_at IS NULL', not_clicked: 'clicked_at IS NULL', opened: 'opened_at IS NOT NULL', clicked: 'clicked_at IS NOT NULL',
    };
    // Recipients of the main send handed over at least `after_hours` ago that match the condition.
    const eligible = await tx.query<{ contact_id: string }>(
      `SELECT contact_id FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 AND step_id IS NULL
         AND status IN ('sent', 'delivered') AND sent_at <= now() - make_interval(secs => $3::float8 * 3600) AND ${cond[s.condition]}`,
      [tx.tenantId, c.id, Number(s.after_hours)],
    );
    if (eligible.length) {
      const rows = await routePass(tx, {
        campaignId: c.id, stepId: s.id, allowed: s.channels, includeSegmentIds: [], excludeSegmentIds: [], mode: 'all', variants: [], testShare: 1, winner: null,
        window: c.sendWindow, stepRecipients: eligible.map((e) => e.contact_id),
      });
      await emitRouted(tx, c.id, rows);
      if (rows.some((r) => r.status === 'queued') && !(await this.campaigns.hasPendingJob(tx, 'dispatch', c.id))) await this.campaigns.enqueueJob(tx, 'dispatch', c.id, null);
    }
    // Main messages still on their way (or an A/B rest to come) get the step later; then it is done.
    const mainPending = (c.abTest && !c.abWinner) || !!(await tx.maybeOne(
      `SELECT 1 FROM campaign_messages WHERE tenant_id = $1 AND campaign_id = $2 AND step_id IS NULL AND (status IN ('queued','sending') OR (status IN ('sent','delivered') AND sent_at > now() - make_interval(secs => $3::float8 * 3600))) LIMIT 1`,
      [tx.tenantId, c.id, Number(s.after_hours)],
    ));
    if (mainPending) await this.campaigns.enqueueJob(tx, 'step', c.id, new Date(Date.now() + Math.min(Number(s.after_hours) * 3_600_000, 3_600_000)), { stepId: s.id });
    else {
      await tx.query(`UPDATE campaign_steps SET fired_at = now() WHERE tenant_id = $1 AND id = $2`, [tx.tenantId, s.id]);
      if (!(await this.campaigns.hasPendingJob(tx, 'dispatch', c.id))) await this.maybeComplete(tx, { ...c });
    }
  }
}
