import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { CampaignJobs } from './campaign-jobs';
import { CampaignQueries } from './campaign.queries';
import { CampaignRepository } from './campaign.repository';
import { CampaignMessageResolver, CampaignsResolver, SuppressionsResolver } from './campaigns.resolver';
import { campaignsConfigProvider } from './campaigns.config';
import { ContactCampaignMessagesResolver } from './contact-campaign-messages.resolver';
import { CancelCampaign, PauseCampaign, ResumeCampaign, ScheduleCampaign } from './use-cases/campaign-lifecycle.use-case';
import { CreateCampaign, UpdateCampaign } from './use-cases/create-campaign.use-case';
import { ManageSuppressions, SetCampaignSettings } from './use-cases/suppressions.use-case';

/**
 * Campaigns: the model, routing (src/routing), the job queue that starts, dispatches and decides
 * campaigns, suppressions and settings, and `Contact.campaignMessages`. Sends through the
 * `ChannelAdapters` port (src/delivery provides the adapters). Exports the repository for the
 * contact lifecycle (merge, erase) and the delivery's tracking.
 */
@Module({
  imports: [DeliveryModule],
  providers: [
    campaignsConfigProvider, CampaignRepository, CampaignQueries, CampaignJobs,
    CreateCampaign, UpdateCampaign, ScheduleCampaign, PauseCampaign, ResumeCampaign, CancelCampaign, ManageSuppressions, SetCampaignSettings,
    CampaignsResolver, CampaignMessageResolver, SuppressionsResolver, ContactCampaignMessagesResolver,
  ],
  exports: [CampaignRepository, CampaignQueries, CampaignJobs],
})
export class CampaignsModule {}
