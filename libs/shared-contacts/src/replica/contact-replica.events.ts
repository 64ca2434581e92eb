import { Ctx, Payload } from '@nestjs/microservices';
import { ContactCreatedV1, ContactErasedV1, ContactMergedV1, ContactUpdatedV1 } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { ContactReplica } from './contact-replica';

/** The consumer `<service>.contact-replica` on the contacts topic: keeps the module's ContactReplica. */
@EventConsumer('contact-replica')
export class ContactReplicaEvents {
  constructor(private readonly replica: ContactReplica) {}

  @OnEvent(ContactCreatedV1, ContactUpdatedV1)
  async onSnapshot(@Payload() e: Event<typeof ContactCreatedV1 | typeof ContactUpdatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applySnapshot(ctx.tx, e.data);
  }

  @OnEvent(ContactMergedV1)
  async onMerged(@Payload() e: Event<typeof ContactMergedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyMerge(ctx.tx, e.data);
  }

  @OnEvent(ContactErasedV1)
  async onErased(@Payload() e: Event<typeof ContactErasedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyErase(ctx.tx, e.data);
  }
}
