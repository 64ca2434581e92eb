import { z } from 'zod';
import { envBoolean, PLATFORM_CONFIG } from '@crm/platform';

/**
 * Settings of the sales module on top of the platform's (ServiceDefinition.configSchema): validated
 * at boot with the rest, a bad value fails the boot naming the variable.
 */
export const salesConfigSchema = z.object({
  /** How often the reminder scheduler looks for tasks that became due. */
  SALES_REMINDER_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  /** false turns the scheduler off in this process (another replica may run it). */
  SALES_REMINDER_SCHEDULER: envBoolean(true),
  /** Reminders handled per sweep. */
  SALES_REMINDER_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
});
export type SalesConfig = z.infer<typeof salesConfigSchema>;

export const SALES_CONFIG = Symbol('SALES_CONFIG');

export const salesConfigProvider = { provide: SALES_CONFIG, useFactory: (config: SalesConfig): SalesConfig => config, inject: [PLATFORM_CONFIG] };
