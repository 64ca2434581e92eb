import { z } from 'zod';
import { PLATFORM_CONFIG, productionSecretProblem, type BaseServiceConfig } from '@crm/platform';

/** A URL variable: parsed, and only the listed protocols. */
const envUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a URL (${protocols.join(' or ')}), got "${v}"` });
        return z.NEVER;
      }
      if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
        ctx.addIssue({ code: 'custom', message: `expected a ${protocols.join(' or ')} URL, got "${url.protocol}"` });
        return z.NEVER;
      }
      return v;
    });

/** Public dev-only defaults: known to everyone, so refused in production (productionSecretProblem matches "change-me"). */
/** The development default of MARKETING_PUBLIC_URL (forms/capture.config.ts): refused in production. */
export const DEV_PUBLIC_URL = 'http://localhost:4003';

export const DEV_TRACKING_SECRET = 'dev-marketing-tracking-secret-change-me';

/**
 * Settings of delivery and tracking (ServiceDefinition.configSchema of marketing): validated at boot
 * with the platform's, a bad value fails the boot naming the variable (deliveryConfigCheck adds the
 * production rules).
 */
export const deliveryConfigSchema = z.object({
  /** smtp://user@host:587 or smtps://…:465; unset = the embedded mail catcher (not in production). */
  MARKETING_SMTP_URL: envUrl(['smtp', 'smtps']),
  /**
   * The SMTP password, apart from the URL: the URL is a setting (a ConfigMap, compose's environment),
   * the password a secret. With the URL's user it authenticates; it replaces a password in the URL.
   */
  MARKETING_SMTP_PASSWORD: z.string().min(1).optional(),
  /** The From: of campaign emails; its domain names the Message-IDs. */
  MARKETING_MAIL_FROM: z.string().min(3).default('CRM Marketing <marketing@crm.localhost>'),
  /** Optional mailto: target of List-Unsubscribe (an inbox that processes unsubscribe mails). */
  MARKETING_UNSUBSCRIBE_MAILTO: z.email('must be an email address').optional(),
  /** Pooled SMTP connections of the email adapter. */
  MARKETING_SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(5),
  /** The embedded SMTP catch-all: on by default when MARKETING_SMTP_URL is unset outside production. */
  MARKETING_MAIL_CATCHER: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Its port on 127.0.0.1 (0 = any free port; default 1025, or 0 under NODE_ENV=test). */
  MARKETING_MAIL_CATCHER_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** HMAC key of the tracking and unsubscribe tokens; required in production. */
  MARKETING_TRACKING_SECRET: z.string().min(16, 'MARKETING_TRACKING_SECRET must be at least 16 characters').optional(),
  /** HMAC key of the providers' delivery callbacks (/webhooks/email, /webhooks/sms); unset = the webhooks answer 404. */
  MARKETING_WEBHOOK_SECRET: z.string().min(16, 'MARKETING_WEBHOOK_SECRET must be at least 16 characters').optional(),
  /** SMS provider endpoint (JSON POST {to, text, clientRef}) and its bearer token. */
  MARKETING_SMS_URL: envUrl(['http', 'https']),
  MARKETING_SMS_TOKEN: z.string().min(1).optional(),
  /** Social direct messages: a webhook (JSON POST, X-CRM-Signature HMAC) and its key. */
  MARKETING_SOCIAL_WEBHOOK_URL: envUrl(['http', 'https']),
  MARKETING_SOCIAL_WEBHOOK_SECRET: z.string().min(16, 'MARKETING_SOCIAL_WEBHOOK_SECRET must be at least 16 characters').optional(),
  /** Timeout of one HTTP call to the SMS provider or the social webhook. */
  MARKETING_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export type DeliveryConfigInput = z.infer<typeof deliveryConfigSchema>;

/** Rules across variables (ServiceDefinition.configCheck): what production may not leave to a default. */
export function deliveryConfigCheck(c: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (c.NODE_ENV !== 'production') return;
  const need = (name: string, why: string) => {
    if (c[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `${name} is required in production (${why})` });
  };
  need('MARKETING_SMTP_URL', 'campaign emails go through it; the embedded mail catcher is for development only');
  if (typeof c.MARKETING_SMTP_URL === 'string' && URL.canParse(c.MARKETING_SMTP_URL) && new URL(c.MARKETING_SMTP_URL).password) {
    ctx.addIssue({ code: 'custom', path: ['MARKETING_SMTP_URL'], message: 'MARKETING_SMTP_URL holds a password: it is a setting, stored and shown in clear; put the password in the secret MARKETING_SMTP_PASSWORD and keep only the user in the URL' });
  }
  // MARKETING_PUBLIC_URL is declared once, with the forms (capture.config.ts), and has a development default.
  if (c.MARKETING_PUBLIC_URL === undefined || c.MARKETING_PUBLIC_URL === DEV_PUBLIC_URL) {
    ctx.addIssue({ code: 'custom', path: ['MARKETING_PUBLIC_URL'], message: `MARKETING_PUBLIC_URL is required in production (the tracking, unsubscribe and form links point to it; ${DEV_PUBLIC_URL} is the development default)` });
  }
  need('MARKETING_TRACKING_SECRET', 'it signs the tracking and unsubscribe tokens');
  if (c.MARKETING_MAIL_CATCHER === 'on') ctx.addIssue({ code: 'custom', path: ['MARKETING_MAIL_CATCHER'], message: 'the mail catcher is for development only: off or auto in production' });
  for (const name of ['MARKETING_TRACKING_SECRET', 'MARKETING_WEBHOOK_SECRET', 'MARKETING_SOCIAL_WEBHOOK_SECRET']) {
    const problem = typeof c[name] === 'string' ? productionSecretProblem(name, c[name] as string) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
  }
}

/** What delivery and tracking run with, resolved from the environment. */
export interface DeliveryConfig {
  production: boolean;
  smtpUrl: string | undefined;
  /** MARKETING_SMTP_PASSWORD (with the URL's user). */
  smtpPassword: string | undefined;
  smtpPoolSize: number;
  mailFrom: string;
  /** The domain of Message-IDs (from MARKETING_MAIL_FROM). */
  mailDomain: string;
  unsubscribeMailto: string | undefined;
  catcher: { enabled: boolean; port: number };
  /** MARKETING_PUBLIC_URL: this service as the internet reaches it. */
  publicUrl: string;
  trackingSecret: string;
  webhookSecret: string | undefined;
  sms: { url: string; token: string | undefined } | undefined;
  social: { url: string; secret: string | undefined } | undefined;
  providerTimeoutMs: number;
}

export const DELIVERY_CONFIG = Symbol('DELIVERY_CONFIG');

type ServiceConfig = BaseServiceConfig & { PORT: number; MARKETING_PUBLIC_URL?: string } & DeliveryConfigInput;

export function resolveDeliveryConfig(c: ServiceConfig): DeliveryConfig {
  const production = c.NODE_ENV === 'production';
  const catcherEnabled = c.MARKETING_MAIL_CATCHER === 'on' || (c.MARKETING_MAIL_CATCHER === 'auto' && !c.MARKETING_SMTP_URL && !production);
  const address = /<([^>]+)>/.exec(c.MARKETING_MAIL_FROM)?.[1] ?? c.MARKETING_MAIL_FROM;
  return {
    production,
    smtpUrl: c.MARKETING_SMTP_URL,
    smtpPassword: c.MARKETING_SMTP_PASSWORD,
    smtpPoolSize: c.MARKETING_SMTP_POOL_SIZE,
    mailFrom: c.MARKETING_MAIL_FROM,
    mailDomain: address.split('@')[1] ?? 'crm.localhost',
    unsubscribeMailto: c.MARKETING_UNSUBSCRIBE_MAILTO,
    catcher: { enabled: catcherEnabled, port: c.MARKETING_MAIL_CATCHER_PORT ?? (c.NODE_ENV === 'test' ? 0 : 1025) },
    publicUrl: (c.MARKETING_PUBLIC_URL ?? DEV_PUBLIC_URL).replace(/\/+$/, ''),
    trackingSecret: c.MARKETING_TRACKING_SECRET ?? DEV_TRACKING_SECRET,
    webhookSecret: c.MARKETING_WEBHOOK_SECRET,
    sms: c.MARKETING_SMS_URL ? { url: c.MARKETING_SMS_URL, token: c.MARKETING_SMS_TOKEN } : undefined,
    social: c.MARKETING_SOCIAL_WEBHOOK_URL ? { url: c.MARKETING_SOCIAL_WEBHOOK_URL, secret: c.MARKETING_SOCIAL_WEBHOOK_SECRET } : undefined,
    providerTimeoutMs: c.MARKETING_PROVIDER_TIMEOUT_MS,
  };
}

export const deliveryConfigProvider = {
  provide: DELIVERY_CONFIG,
  useFactory: (config: ServiceConfig): DeliveryConfig => resolveDeliveryConfig(config),
  inject: [PLATFORM_CONFIG],
};
