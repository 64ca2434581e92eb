import { Ctx, Payload } from '@nestjs/microservices';
import { ContactArchivedV1, ContactCreatedV1, ContactRestoredV1, ContactUpdatedV1 } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { ContactReplica } from '@crm/shared-contacts';
import { SegmentMembership } from './segment-membership';

/**
 * The consumer `marketing.segment-membership` on the contacts topic: a contact created, updated,
 * archived or restored is re-evaluated against the tenant's dynamic segments (that contact only).
 *
 * It is a consumer group of its own, so it may see an event before the replica's consumer does: it
 * first applies the event to the replica itself through ContactReplica (version-guarded and
 * idempotent — whichever group comes second changes nothing), so membership is never computed from
 * a row older than the event. Merges and erasures come through the replica's hooks (ContactLifecycle).
 */
@EventConsumer('segment-membership')
export class SegmentContactEvents {
  constructor(
    private readonly replica: ContactReplica,
    private readonly membership: SegmentMembership,
  ) {}

  @OnEvent(ContactCreatedV1, ContactUpdatedV1)
  async onSnapshot(@Payload() e: Event<typeof ContactCreatedV1 | typeof ContactUpdatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    const applied = await this.replica.applySnapshot(ctx.tx, e.data);
    await this.membership.contactChanged(ctx.tx, e.data.contactId, applied ? e.data : undefined);
  }

  @OnEvent(ContactArchivedV1)
  async onArchived(@Payload() e: Event<typeof ContactArchivedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyArchive(ctx.tx, e.data);
    await this.membership.evaluateContact(ctx.tx, e.data.contactId);
  }

  @OnEvent(ContactRestoredV1)
  async onRestored(@Payload() e: Event<typeof ContactRestoredV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyRestore(ctx.tx, e.data);
    await this.membership.contactChanged(ctx.tx, e.data.contactId);
  }
}
