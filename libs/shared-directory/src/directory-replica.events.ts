import { Ctx, Payload } from '@nestjs/microservices';
import { TeamArchivedV1, TeamCreatedV1, TeamUpdatedV1, TenantProfileUpdatedV1, UserDeactivatedV1, UserProvisionedV1, UserUpdatedV1 } from '@crm/events';
import { EventConsumer, OnEvent, type CrmEventContext, type Event } from '@crm/platform';
import { DirectoryReplica } from './directory-replica';

/** The consumer `<service>.directory-replica` on the contacts topic: keeps the module's DirectoryReplica. */
@EventConsumer('directory-replica')
export class DirectoryReplicaEvents {
  constructor(private readonly replica: DirectoryReplica) {}

  @OnEvent(UserProvisionedV1, UserUpdatedV1, UserDeactivatedV1)
  async onUser(@Payload() e: Event<typeof UserProvisionedV1 | typeof UserUpdatedV1 | typeof UserDeactivatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyUser(ctx.tx, e.data);
  }

  @OnEvent(TeamCreatedV1, TeamUpdatedV1, TeamArchivedV1)
  async onTeam(@Payload() e: Event<typeof TeamCreatedV1 | typeof TeamUpdatedV1 | typeof TeamArchivedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyTeam(ctx.tx, e.data);
  }

  @OnEvent(TenantProfileUpdatedV1)
  async onTenantProfile(@Payload() e: Event<typeof TenantProfileUpdatedV1>, @Ctx() ctx: CrmEventContext): Promise<void> {
    await this.replica.applyTenantProfile(ctx.tx, e.data);
  }
}
