import { Module } from '@nestjs/common';
import { AuditHistoryField, AuditLogQuery } from '@crm/platform';
import { Campaign } from '../campaigns/campaign.types';
import { Segment } from '../segments/segment.types';
import { MarketingPermission } from '../permissions';
import { MarketingSchemaScope } from '../schema-scope';

/** The marketing audit trail (docs/audit.md): a segment's and a campaign's history, and the admin query. */
@Module({
  providers: [
    AuditLogQuery({ scope: MarketingSchemaScope, name: 'marketingAuditLog', module: 'marketing', permission: MarketingPermission['audit.read'] }),
    AuditHistoryField({ scope: MarketingSchemaScope, parent: () => Segment, entity: 'segment', permission: MarketingPermission['segment.read'] }),
    AuditHistoryField({ scope: MarketingSchemaScope, parent: () => Campaign, entity: 'campaign', permission: MarketingPermission['campaign.read'] }),
  ],
})
export class AuditModule {}
