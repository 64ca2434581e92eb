import { Ctx, Payload } from '@nestjs/microservices';
import {
  ContactCreatedV1, DealCreatedV1, DealReopenedV1, DealWonV1, FormSubmittedV1, LeadQualifiedV1, MessageClickedV1, MessageSentV1, OrderCancelledV1, OrderPlacedV1,
} from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { formatMinor, fromDb, MINOR_UNITS } from '@crm/shared-kernel';
import { AttributionRepository, type Dims } from './attribution.repository';

type Source = { source: string | null; medium: string | null; campaign: string | null; keyword: string | null; term: string | null } | null;

/** An attribution as stored dimensions; the paid keyword falls back to utm_term. Null when it names nothing. */
function dimsOf(a: Source): Dims | null {
  if (!a) return null;
  const d = { source: a.source?.trim() ?? '', medium: a.medium?.trim() ?? '', campaign: a.campaign?.trim() ?? '', keyword: (a.keyword ?? a.term)?.trim() ?? '' };
  return d.source || d.medium || d.campaign || d.keyword ? d : null;
}

/**
 * The consumer `marketing.attribution-sales`: deals and revenue from crm.sales.events, kept as
 * marketing's own projection. Without the sales module nothing arrives and reports say so.
 */
@EventConsumer('attribution-sales')
export class AttributionSalesEvents {
  constructor(private readonly repo: AttributionRepository) {}

  @OnEvent(DealCreatedV1)
  async onDealCreated(@Payload() e: Event<typeof DealCreatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const tx = ctx.tx;
    await this.repo.markSalesSeen(tx, e.time);
    const contactId = await this.repo.survivorOf(tx, e.data.contactId);
    await this.repo.addDeal(tx, e.data.dealId, contactId, e.time);
    await this.dealTouch(ctx, e.data.dealId, contactId, e.data.source, e.time);
  }

  @OnEvent(DealWonV1)
  async onDealWon(@Payload() e: Event<typeof DealWonV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const tx = ctx.tx;
    await this.repo.markSalesSeen(tx, e.time);
    const contactId = await this.repo.survivorOf(tx, e.data.contactId);
    await this.repo.addDeal(tx, e.data.dealId, contactId, e.data.wonAt);
    await this.dealTouch(ctx, e.data.dealId, contactId, e.data.source, e.data.wonAt);
    await this.repo.addConversion(tx, { kind: 'deal_won', sourceId: e.data.dealId, contactId, dealId: e.data.dealId, amount: e.data.amount.amount, currency: e.data.amount.currency, at: e.data.wonAt });
    await this.repo.linkCampaignConversions(tx, contactId);
  }

  @OnEvent(DealReopenedV1)
  async onDealReopened(@Payload() e: Event<typeof DealReopenedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.repo.markSalesSeen(ctx.tx, e.time);
    if (e.data.previousStatus === 'won') await this.repo.retractConversion(ctx.tx, 'deal_won', e.data.dealId);
  }

  @OnEvent(OrderPlacedV1)
  async onOrderPlaced(@Payload() e: Event<typeof OrderPlacedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const tx = ctx.tx;
    await this.repo.markSalesSeen(tx, e.time);
    const contactId = await this.repo.survivorOf(tx, e.data.contactId);
    // Revenue is what the business keeps: the order total without its taxes.
    const { total, taxTotal } = e.data.totals;
    const currency = total.currency;
    const net = MINOR_UNITS[currency] === undefined ? total.amount : formatMinor(fromDb(total.amount, currency) - fromDb(taxTotal.amount, currency), currency);
    await this.repo.addConversion(tx, { kind: 'order_placed', sourceId: e.data.orderId, contactId, dealId: e.data.dealId, amount: net, currency, at: e.data.placedAt });
    await this.repo.linkCampaignConversions(tx, contactId);
  }

  @OnEvent(OrderCancelledV1)
  async onOrderCancelled(@Payload() e: Event<typeof OrderCancelledV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.repo.markSalesSeen(ctx.tx, e.time);
    await this.repo.retractConversion(ctx.tx, 'order_placed', e.data.orderId);
  }

  /** A deal's lead source / UTM / keyword is a touch of its contact, as of when the deal was opened. */
  private async dealTouch(ctx: CrmEventContext, dealId: string, contactId: string, source: Source, at: string): Promise<void> {
    const dims = dimsOf(source);
    if (dims) await this.repo.addTouch(ctx.tx, { key: `deal:${dealId}`, contactId, kind: 'deal_source', at, campaignId: null, ...dims });
  }
}

/**
 * The consumer `marketing.attribution-touches` of marketing's own topic: form submissions (a lead and
 * its UTM / keyword), campaign messages sent and clicked (campaign touches), qualifications (MQL).
 */
@EventConsumer('attribution-touches')
export class AttributionTouchEvents {
  constructor(private readonly repo: AttributionRepository) {}

  @OnEvent(FormSubmittedV1)
  async onFormSubmitted(@Payload() e: Event<typeof FormSubmittedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const c = e.data.capture;
    const contactId = await this.repo.survivorOf(ctx.tx, c.contactId);
    await this.repo.addLead(ctx.tx, contactId, c.capturedAt);
    const dims = dimsOf(c.attribution) ?? { source: '', medium: '', campaign: '', keyword: '' };
    // A submission without UTM is still a touch: it says the lead came in "direct", before any later touch.
    await this.repo.addTouch(ctx.tx, { key: `form:${e.data.submissionId}`, contactId, kind: 'form', at: c.capturedAt, campaignId: null, ...dims });
  }

  @OnEvent(MessageSentV1)
  async onSent(@Payload() e: Event<typeof MessageSentV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.campaignTouch(ctx, `sent:${e.data.messageId}`, 'campaign_sent', e.data, e.data.sentAt);
  }

  @OnEvent(MessageClickedV1)
  async onClicked(@Payload() e: Event<typeof MessageClickedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    // The first click of a message is the touch; more clicks on it are the same interest.
    await this.campaignTouch(ctx, `click:${e.data.messageId}`, 'campaign_clicked', e.data, e.data.clickedAt);
  }

  @OnEvent(LeadQualifiedV1)
  async onQualified(@Payload() e: Event<typeof LeadQualifiedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.repo.markMql(ctx.tx, await this.repo.survivorOf(ctx.tx, e.data.contactId), e.data.qualifiedAt);
  }

  /** A campaign message: source "marketing", medium its channel, campaign its name — and its campaign id. */
  private async campaignTouch(ctx: CrmEventContext, key: string, kind: 'campaign_sent' | 'campaign_clicked', m: { campaignId: string; campaignName: string; contactId: string; channel: string }, at: string) {
    const contactId = await this.repo.survivorOf(ctx.tx, m.contactId);
    await this.repo.addTouch(ctx.tx, { key, contactId, kind, at, campaignId: m.campaignId, source: 'marketing', medium: m.channel, campaign: m.campaignName, keyword: '' });
    await this.repo.linkCampaignConversions(ctx.tx, contactId);
  }
}

/** The consumer `marketing.attribution-leads` of the contacts topic: a contact created is a lead, as of its creation. */
@EventConsumer('attribution-leads')
export class AttributionLeadEvents {
  constructor(private readonly repo: AttributionRepository) {}

  @OnEvent(ContactCreatedV1)
  async onCreated(@Payload() e: Event<typeof ContactCreatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    // Snapshots before createdAt existed: the event's time is when the contact was created.
    await this.repo.addLead(ctx.tx, e.data.contactId, e.data.createdAt ?? e.time);
  }
}
