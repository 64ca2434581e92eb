import { Ctx, Payload } from '@nestjs/microservices';
import { ContactCreatedV1, ContactUpdatedV1, FormSubmittedV1, MessageClickedV1, MessageOpenedV1 } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { FormRepository } from '../forms/form.repository';
import { LeadScoring } from './lead-scoring';
import { ScoreRescores } from './score-rescores';
import { SCORING_CONFIG_LOCK } from './score.repository';
import { snapshotAttributes } from './scoring-rules';

/** A timestamp from an event payload, or the event's own time when it is not one. */
const at = (iso: string, fallback: string) => new Date(Number.isNaN(Date.parse(iso)) ? fallback : iso);

/**
 * The consumer `marketing.lead-scoring`: behaviour from marketing's own topic (opens and clicks
 * tracked by delivery, form submissions) and contact changes from the contacts topic. Each event is
 * applied once (the kernel's inbox), its score events in the same transaction.
 */
@EventConsumer('lead-scoring', { tenantLocks: [SCORING_CONFIG_LOCK] })
export class LeadScoringEvents {
  constructor(
    private readonly scoring: LeadScoring,
    private readonly forms: FormRepository,
    private readonly rescores: ScoreRescores,
  ) {}

  @OnEvent(MessageOpenedV1)
  async opened(@Payload() e: Event<typeof MessageOpenedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.scoring.onBehaviour(ctx.tx, e.data.contactId, { field: 'emailOpened' }, `opened “${e.data.campaignName}”`, at(e.data.openedAt, e.time), e.id);
  }

  @OnEvent(MessageClickedV1)
  async clicked(@Payload() e: Event<typeof MessageClickedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.scoring.onBehaviour(ctx.tx, e.data.contactId, { field: 'linkClicked', url: e.data.url }, `clicked ${e.data.url.slice(0, 200)}`, at(e.data.clickedAt, e.time), e.id);
  }

  @OnEvent(FormSubmittedV1)
  async submitted(@Payload() e: Event<typeof FormSubmittedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    // The capture's contact may already be linked elsewhere (contacts matched an older contact first).
    const current = await ctx.tx.maybeOne<{ contact_id: string | null }>(`SELECT contact_id FROM form_submissions WHERE tenant_id = $1 AND id = $2`, [ctx.tx.tenantId, e.data.submissionId]);
    const contactId = current ? current.contact_id : e.data.capture.contactId;
    if (!contactId) return; // erased meanwhile
    await this.scoring.onBehaviour(ctx.tx, contactId, { field: 'formSubmitted', formId: e.data.formId }, `submitted “${e.data.formName}”`, at(e.data.capture.capturedAt, e.time), e.id);
  }

  /**
   * A contact created or changed: submissions waiting for their contact are linked to it by email or
   * phone (when contacts matched an older contact, the id proposed by the capture stays unused and its
   * points move over), then the attribute rules are matched against the new snapshot.
   */
  @OnEvent(ContactCreatedV1, ContactUpdatedV1)
  async contactChanged(@Payload() e: Event<typeof ContactCreatedV1> | Event<typeof ContactUpdatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const s = e.data;
    const proposed = await this.forms.linkToContact(ctx.tx, s.contactId, s.emails.map((x) => x.email), s.phones.map((x) => x.phone));
    for (const id of proposed) await this.scoring.moveContact(ctx.tx, id, s.contactId);
    await this.scoring.onAttributes(ctx.tx, s.contactId, snapshotAttributes(s));
    await this.rescores.matched(ctx.tx, s.contactId);
  }
}
