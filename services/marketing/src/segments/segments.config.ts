import { z } from 'zod';
import { envBoolean, PLATFORM_CONFIG } from '@crm/platform';
import { MINOR_UNITS } from '@crm/shared-kernel';

/** Settings of segments (ServiceDefinition.configSchema): validated at boot, a bad value fails it naming the variable. */
export const segmentsConfigSchema = z.object({
  /** How often a tenant's time-relative segments ("within the last 30 days") are re-evaluated by the sweep. */
  MARKETING_SEGMENT_SWEEP_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /** How often the sweep scheduler looks for due sweeps. */
  MARKETING_SEGMENT_SWEEP_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  /** false turns the sweep off in this process (another replica may run it). */
  MARKETING_SEGMENT_SWEEP: envBoolean(true),
  /** The currency of the RFM "monetary" score in audience portraits (orders in other currencies do not count there). */
  MARKETING_REPORTING_CURRENCY: z
    .string()
    .default('EUR')
    .transform((s) => s.trim().toUpperCase())
    .refine((c) => MINOR_UNITS[c] !== undefined, 'must be an ISO 4217 currency code'),
});
export type SegmentsConfig = z.infer<typeof segmentsConfigSchema>;

export const SEGMENTS_CONFIG = Symbol('SEGMENTS_CONFIG');
export const segmentsConfigProvider = { provide: SEGMENTS_CONFIG, useFactory: (config: SegmentsConfig): SegmentsConfig => config, inject: [PLATFORM_CONFIG] };
