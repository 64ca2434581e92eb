import { z } from 'zod';
import { envBoolean, PLATFORM_CONFIG } from '@crm/platform';

/** The campaign dispatcher's settings (ServiceDefinition.configSchema; validated at boot). */
export const campaignsConfigSchema = z.object({
  /** Pause between sweeps of the campaign job queue (start, dispatch, A/B decision, follow-ups); also between dispatch rounds, so it bounds the send rate (a round of MARKETING_DISPATCH_BATCH per channel, then this pause). */
  MARKETING_CAMPAIGN_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  /** false turns the campaign scheduler and dispatcher off in this process (another replica may run it). */
  MARKETING_CAMPAIGN_SCHEDULER: envBoolean(true),
  /** Messages handed to the adapters per channel and dispatch round (unthrottled channels). */
  MARKETING_DISPATCH_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Adapter calls in flight at once within a round. */
  MARKETING_DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** Attempts before a message is marked failed (an adapter that throws; a permanent refusal bounces at once). */
  MARKETING_DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
});
export type CampaignsConfig = z.infer<typeof campaignsConfigSchema>;

export const CAMPAIGNS_CONFIG = Symbol('CAMPAIGNS_CONFIG');
export const campaignsConfigProvider = { provide: CAMPAIGNS_CONFIG, useFactory: (config: CampaignsConfig): CampaignsConfig => config, inject: [PLATFORM_CONFIG] };
