import { Ctx, Payload } from '@nestjs/microservices';
import { CompanyMergedV1, CompanyUpsertedV1, ContactArchivedV1, ContactCreatedV1, ContactErasedV1, ContactMergedV1, ContactRestoredV1, ContactUpdatedV1 } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { CompanyReplica } from './company-replica';
import { ContactReplica } from './contact-replica';

/** The consumer `<service>.contact-replica` on the contacts topic: keeps the module's ContactReplica and CompanyReplica. */
@EventConsumer('contact-replica')
export class ContactReplicaEvents {
  constructor(
    private readonly replica: ContactReplica,
    private readonly companies: CompanyReplica,
  ) {}

  @OnEvent(ContactCreatedV1, ContactUpdatedV1)
  async onSnapshot(@Payload() e: Event<typeof ContactCreatedV1 | typeof ContactUpdatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyChange(ctx.tx, e.data);
  }

  @OnEvent(ContactMergedV1)
  async onMerged(@Payload() e: Event<typeof ContactMergedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyMerge(ctx.tx, e.data);
  }

  @OnEvent(ContactErasedV1)
  async onErased(@Payload() e: Event<typeof ContactErasedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyErase(ctx.tx, e.data);
  }

  @OnEvent(ContactArchivedV1)
  async onArchived(@Payload() e: Event<typeof ContactArchivedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyArchive(ctx.tx, e.data);
  }

  @OnEvent(ContactRestoredV1)
  async onRestored(@Payload() e: Event<typeof ContactRestoredV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyRestore(ctx.tx, e.data);
  }

  /** Company merges ride on this consumer: same topic, and the module's references follow in the event's transaction. */
  @OnEvent(CompanyMergedV1)
  async onCompanyMerged(@Payload() e: Event<typeof CompanyMergedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.companies.applyMerge(ctx.tx, e.data);
    await this.replica.applyCompanyMerge(ctx.tx, e.data);
  }

  /** Which companies exist (a deal's companyId is checked against them). */
  @OnEvent(CompanyUpsertedV1)
  async onCompany(@Payload() e: Event<typeof CompanyUpsertedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.companies.applySnapshot(ctx.tx, e.data);
  }
}
