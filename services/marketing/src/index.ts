export { marketingService } from './service';
export { CampaignJobs } from './campaigns/campaign-jobs';
