import { z } from 'zod';

/** Lead capture and scoring's environment variables (part of the service's configSchema, read from PLATFORM_CONFIG). */
export const captureConfigSchema = z.object({
  /** The marketing service's public base URL (what browsers reach, e.g. through the ingress): form submit URLs and embed snippets use it. */
  MARKETING_PUBLIC_URL: z.string().url().default('http://localhost:4003'),
  /** Submissions per client IP and form per window; 0 turns the limit off. */
  FORM_SUBMIT_RATE_LIMIT: z.coerce.number().int().min(0).max(100_000).default(10),
  FORM_SUBMIT_RATE_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /** How often the lead-score decay sweeper looks for due tenants (each tenant decays once a day). */
  SCORE_DECAY_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * How often the rescore job table is swept when nothing woke it: a rule change in this process
   * starts its tenant's rescore at once; this catches those of other replicas and retries.
   */
  SCORE_RESCORE_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
});
export type CaptureConfig = z.infer<typeof captureConfigSchema>;

export function submitUrl(config: Pick<CaptureConfig, 'MARKETING_PUBLIC_URL'>, publicKey: string): string {
  return `${config.MARKETING_PUBLIC_URL.replace(/\/+$/, '')}/forms/${encodeURIComponent(publicKey)}`;
}
