import { AuditModule } from './audit/audit.module';
import { Module } from '@nestjs/common';
import { ContactReplicaModule } from '@crm/shared-contacts';
import { DirectoryReplicaModule } from '@crm/shared-directory';
import { SegmentsModule } from './segments/segments.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { BehaviourModule } from './behaviour/behaviour.module';
import { DeliveryModule } from './delivery/delivery.module';
import { AttributionModule } from './attribution/attribution.module';
import { FormsModule } from './forms/forms.module';
import { ScoringModule } from './scoring/scoring.module';
import { ContactLifecycle } from './contacts/contact-lifecycle';
import { ContactMarketingResolver } from './contacts/contact-marketing.resolver';

/** The fields marketing adds to the federated Contact. */
@Module({
  imports: [SegmentsModule],
  providers: [ContactMarketingResolver],
})
export class ContactFieldsModule {}

/**
 * The marketing service: one Nest module per bounded context. The contact replica (its table, its
 * consumer `marketing.contact-replica` on the contacts topic, `ContactReplica.requireActive`) keeps what
 * the module knows of contacts; ContactLifecycle says what a change, a merge or an erasure means here.
 */
@Module({
  imports: [
    ContactReplicaModule.forRoot({ hooks: ContactLifecycle }),
    // Users, teams and the tenant profile (the company that signs letters).
    DirectoryReplicaModule.forRoot(),
    SegmentsModule,
    BehaviourModule,
    ContactFieldsModule,
    FormsModule,
    ScoringModule,
    AttributionModule,
    DeliveryModule,
    CampaignsModule,
    AuditModule,
  ],
})
export class MarketingModule {}
