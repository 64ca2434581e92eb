import { Ctx, Payload } from '@nestjs/microservices';
import {
  DealWonV1,
  FormSubmittedV1,
  LeadScoreChangedV1,
  MessageBouncedV1,
  MessageClickedV1,
  MessageOpenedV1,
  MessageSentV1,
  OrderCancelledV1,
  OrderPlacedV1,
} from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event, type Tx } from '@crm/platform';
import { SegmentMembership } from '../segments/segment-membership';
import { eventTime, FactsRepository, type ActivityRow } from './facts.repository';

/**
 * The consumer `marketing.contact-facts`: the behaviour projection segment rules read, fed by the
 * sales topic (orders, won deals) and by marketing's own topic (messages sent = received, opened,
 * clicked, bounced; form submissions; lead score changes). Each event is one activity row (its
 * source id makes a redelivery a no-op, the kernel's inbox aside), the contact's aggregates are
 * recomputed from its rows, and the contact is re-evaluated against the dynamic segments — in the
 * event's transaction. A topic with no producer yet (sales not deployed) is created empty and
 * simply waited on: rules over its data match nobody (see rule.compiler.ts).
 */
@EventConsumer('contact-facts')
export class BehaviourEvents {
  constructor(
    private readonly facts: FactsRepository,
    private readonly membership: SegmentMembership,
  ) {}

  /**
   * Before the tenant's first sales event every purchase condition is unknown (NULL: no member); with
   * it they all get answers at once, so every dynamic segment is re-evaluated set-based, once.
   */
  private async salesSeen(tx: Tx): Promise<void> {
    if (await this.facts.markSource(tx, 'sales')) await this.membership.evaluateAll(tx);
  }

  /**
   * Two round trips: the contact's lock with its activity row, then its aggregates with the
   * segments' read (and the evaluation if the tenant has dynamic segments). The lock must be taken
   * by the first statement, not the second: a statement's snapshot is taken before it waits for a
   * lock inside it, so counting in the statement that locks could miss a row committed meanwhile.
   */
  private async record(tx: Tx, a: ActivityRow): Promise<void> {
    // The contact it was recorded for: the survivor when a.contactId was merged away.
    const contactId = await this.facts.lockAndRecord(tx, a);
    if (contactId) await this.membership.activityChanged(tx, contactId);
  }

  @OnEvent(MessageSentV1)
  async onSent(@Payload() e: Event<typeof MessageSentV1>, @Ctx() ctx: CrmEventContext) {
    await this.record(ctx.tx, { contactId: e.data.contactId, kind: 'received', sourceId: e.data.messageId, occurredAt: eventTime(e.data.sentAt, e.time) });
  }

  @OnEvent(MessageOpenedV1)
  async onOpened(@Payload() e: Event<typeof MessageOpenedV1>, @Ctx() ctx: CrmEventContext) {
    await this.record(ctx.tx, { contactId: e.data.contactId, kind: 'opened', sourceId: e.data.messageId, occurredAt: eventTime(e.data.openedAt, e.time) });
  }

  /** Every click counts (one event per click): the event id is the source. */
  @OnEvent(MessageClickedV1)
  async onClicked(@Payload() e: Event<typeof MessageClickedV1>, @Ctx() ctx: CrmEventContext) {
    await this.record(ctx.tx, { contactId: e.data.contactId, kind: 'clicked', sourceId: e.id, occurredAt: eventTime(e.data.clickedAt, e.time) });
  }

  @OnEvent(MessageBouncedV1)
  async onBounced(@Payload() e: Event<typeof MessageBouncedV1>, @Ctx() ctx: CrmEventContext) {
    await this.record(ctx.tx, { contactId: e.data.contactId, kind: 'bounced', sourceId: e.data.messageId, occurredAt: eventTime(e.data.bouncedAt, e.time) });
  }

  /** Linked by the capture's contactId: the id the contact has or will get (its replica row may come later; membership then follows contact.created). */
  @OnEvent(FormSubmittedV1)
  async onForm(@Payload() e: Event<typeof FormSubmittedV1>, @Ctx() ctx: CrmEventContext) {
    await this.record(ctx.tx, { contactId: e.data.capture.contactId, kind: 'form', sourceId: e.data.submissionId, occurredAt: eventTime(e.data.capture.capturedAt, e.time) });
  }

  @OnEvent(LeadScoreChangedV1)
  async onScore(@Payload() e: Event<typeof LeadScoreChangedV1>, @Ctx() ctx: CrmEventContext) {
    // The lock before the write, as on every path: writing the facts row first and then waiting for the
    // lock held by a behaviour event of the same contact (which then writes that row) is a deadlock.
    await this.facts.lockContact(ctx.tx, e.data.contactId);
    await this.facts.setLeadScore(ctx.tx, e.data.contactId, e.data.score, eventTime(e.data.changedAt, e.time));
    await this.membership.evaluateContact(ctx.tx, e.data.contactId);
  }

  /** Products are matched by id and by SKU (a rule may name either). */
  @OnEvent(OrderPlacedV1)
  async onOrder(@Payload() e: Event<typeof OrderPlacedV1>, @Ctx() ctx: CrmEventContext) {
    await this.salesSeen(ctx.tx);
    const products = [...new Set(e.data.lines.flatMap((l) => [l.productId, l.sku].filter((x): x is string => !!x)))];
    await this.record(ctx.tx, {
      contactId: e.data.contactId,
      kind: 'order',
      sourceId: e.data.orderId,
      occurredAt: eventTime(e.data.placedAt, e.time),
      amount: e.data.totals.total.amount,
      currency: e.data.totals.total.currency,
      products,
    });
  }

  /**
   * A cancelled order no longer counts. Its contacts' locks come first (sorted, as a merge takes
   * them), then the delete: deleting first held the activity row while waiting for a lock that a
   * merge of the same contact could hold while it waits for that row.
   */
  @OnEvent(OrderCancelledV1)
  async onOrderCancelled(@Payload() e: Event<typeof OrderCancelledV1>, @Ctx() ctx: CrmEventContext) {
    await this.salesSeen(ctx.tx);
    const contacts = await this.facts.contactsOfActivity(ctx.tx, 'order', e.data.orderId);
    if (!contacts.length) return;
    await this.facts.lockContacts(ctx.tx, contacts);
    // The lock is taken in earlier statements: activityChanged counts in a statement whose snapshot must follow it.
    for (const contactId of await this.facts.deleteActivity(ctx.tx, 'order', e.data.orderId)) await this.membership.activityChanged(ctx.tx, contactId);
  }

  /** Counted apart from orders (dealsWon): a won deal usually also becomes an order, and counting both would double the spend. */
  @OnEvent(DealWonV1)
  async onDealWon(@Payload() e: Event<typeof DealWonV1>, @Ctx() ctx: CrmEventContext) {
    await this.salesSeen(ctx.tx);
    await this.record(ctx.tx, {
      contactId: e.data.contactId,
      kind: 'deal_won',
      sourceId: e.data.dealId,
      occurredAt: eventTime(e.data.wonAt, e.time),
      amount: e.data.amount.amount,
      currency: e.data.amount.currency,
    });
  }
}
