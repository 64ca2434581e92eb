import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { MailCatcher } from '../../mail-catcher/mail-catcher';
import { TrackingLinks } from '../../tracking/tracking-links';
import type { ChannelAdapter, DeliveryReceipt, OutboundMessage } from '../channel.port';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery.config';
import { DeliveryRecords } from '../delivery-records';
import { addTextFooter, addTracking } from './html-tracking';

interface SmtpError extends Error {
  responseCode?: number;
  command?: string;
  response?: string;
}

/** SMTP commands after which a 5xx is the recipient's server refusing this message for good. */
const PERMANENT_AT = /^(RCPT|DATA)/i;

/**
 * Campaign email over SMTP (nodemailer, pooled connections): MARKETING_SMTP_URL, or the embedded
 * mail catcher in development. Adds the open pixel, click-tracked links and the one-click
 * unsubscribe (RFC 8058) to each message; the Message-ID is derived from the message id, so a retry
 * of the same message carries the same Message-ID (receivers and providers can drop the duplicate).
 */
@Injectable()
export class EmailAdapter implements ChannelAdapter, OnModuleDestroy {
  readonly channel = 'email' as const;
  private transporter?: Promise<Transporter<SMTPPool.SentMessageInfo>>;

  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly links: TrackingLinks,
    private readonly records: DeliveryRecords,
    private readonly catcher: MailCatcher,
  ) {}

  private transport(): Promise<Transporter<SMTPPool.SentMessageInfo>> {
    this.transporter ??= (async () => {
      const pool = { pool: true as const, maxConnections: this.config.smtpPoolSize, maxMessages: Infinity };
      if (this.config.smtpUrl) {
        // nodemailer reads the credentials from the URL (they win over an `auth` option): the secret joins it in memory only.
        const url = new URL(this.config.smtpUrl);
        if (this.config.smtpPassword) url.password = encodeURIComponent(this.config.smtpPassword);
        return createTransport({ url: url.toString(), ...pool } as SMTPPool.Options);
      }
      if (this.config.catcher.enabled) {
        const port = await this.catcher.port();
        return createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...pool });
      }
      throw new Error('no SMTP server: set MARKETING_SMTP_URL (the embedded mail catcher is off)');
    })();
    return this.transporter;
  }

  messageIdHeader(messageId: string): string {
    return `<${messageId}@${this.config.mailDomain}>`;
  }

  async send(m: OutboundMessage): Promise<DeliveryReceipt> {
    const urls = this.links.forMessage(m.tenantId, m.messageId);
    const tracked = m.html ? addTracking(m.html, urls) : undefined;
    await this.records.remember(m, tracked?.links ?? []);
    const messageId = this.messageIdHeader(m.messageId);
    const unsubscribe = [`<${urls.unsubscribeUrl}>`];
    if (this.config.unsubscribeMailto) unsubscribe.push(`<mailto:${this.config.unsubscribeMailto}?subject=unsubscribe%20${m.messageId}>`);
    const transport = await this.transport();
    try {
      const info = await transport.sendMail({
        from: this.config.mailFrom,
        to: { name: m.recipientName, address: m.address },
        subject: m.subject ?? m.campaignName,
        messageId,
        text: addTextFooter(m.text, urls.unsubscribeUrl),
        html: tracked?.html,
        headers: {
          'List-Unsubscribe': unsubscribe.join(', '),
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-CRM-Campaign': m.campaignId,
        },
      });
      return { providerMessageId: info.messageId ?? messageId };
    } catch (err) {
      const e = err as SmtpError;
      if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600 && PERMANENT_AT.test(e.command ?? '')) {
        return { providerMessageId: messageId, permanentFailure: { diagnostic: (e.response ?? e.message).slice(0, 1000) } };
      }
      throw err;
    }
  }

  async onModuleDestroy(): Promise<void> {
    const t = await this.transporter?.catch(() => undefined);
    t?.close();
  }
}
