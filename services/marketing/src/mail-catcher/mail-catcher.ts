import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import { LOGGER, runsBackgroundWork, SERVICE_INFO, UnitOfWork, type ServiceInfo } from '@crm/platform';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery/delivery.config';
import { DeliveryRecords, messageIdOf } from '../delivery/delivery-records';

/** A caught message is refused above this (what a campaign email may reasonably weigh). */
const MAX_BYTES = 10 * 1024 * 1024;

/**
 * The embedded SMTP catch-all of development (`pnpm start` without MARKETING_SMTP_URL): an
 * smtp-server on 127.0.0.1:MARKETING_MAIL_CATCHER_PORT to which the email adapter really sends;
 * each message is parsed (mailparser) and stored in caught_mail under the tenant of its campaign
 * message, listed by Query.caughtMail. A message that names no campaign message is logged and dropped
 * (it belongs to no tenant). Accepts any sender and recipient, no authentication, no TLS: it listens
 * on the loopback interface only.
 */
@Injectable()
export class MailCatcher implements OnModuleInit, OnModuleDestroy {
  private server?: SMTPServer;
  private listening?: Promise<number>;

  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly uow: UnitOfWork,
    private readonly records: DeliveryRecords,
  ) {}

  get enabled(): boolean {
    return this.config.catcher.enabled && !this.info.schemaOnly;
  }

  /** Listens from the start where campaigns are sent (not in an `api` process, which starts it only if it sends itself). */
  async onModuleInit(): Promise<void> {
    if (this.enabled && runsBackgroundWork(this.info)) await this.port();
  }

  /** The port it listens on (starts it on first call). */
  port(): Promise<number> {
    if (!this.enabled) return Promise.reject(new Error('the mail catcher is off'));
    this.listening ??= new Promise<number>((resolve, reject) => {
      const server = new SMTPServer({
        name: 'crm-mail-catcher',
        banner: 'CRM marketing mail catcher (development)',
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        size: MAX_BYTES,
        logger: false,
        onData: (stream, session, done) => {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return done(Object.assign(new Error('message too large'), { responseCode: 552 }));
            const raw = Buffer.concat(chunks);
            const rcpt = session.envelope.rcptTo.map((r) => r.address);
            this.store(raw, rcpt).then(
              () => done(),
              (err: Error) => {
                this.log.error({ err }, 'mail catcher could not store a message');
                done(Object.assign(new Error('could not store the message'), { responseCode: 451 }));
              },
            );
          });
        },
      });
      server.on('error', (err) => this.log.warn({ err }, 'mail catcher error'));
      const onListenError = (err: NodeJS.ErrnoException) =>
        reject(new Error(`the mail catcher cannot listen on 127.0.0.1:${this.config.catcher.port} (${err.code ?? err.message}): set MARKETING_MAIL_CATCHER_PORT to a free port (0 = any), or MARKETING_SMTP_URL`));
      server.server.once('error', onListenError);
      server.listen(this.config.catcher.port, '127.0.0.1', () => {
        server.server.off('error', onListenError);
        const port = (server.server.address() as AddressInfo).port;
        this.server = server;
        this.log.info({ port }, `mail catcher listening on smtp://127.0.0.1:${port} (caught mail: Query.caughtMail)`);
        resolve(port);
      });
    });
    return this.listening;
  }

  private async store(raw: Buffer, rcpt: string[]): Promise<void> {
    const mail: ParsedMail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const messageId = messageIdOf(mail.messageId);
    const tenantId = messageId ? (await this.records.tenantsOf([messageId])).get(messageId) : undefined;
    if (!tenantId) {
      this.log.warn({ messageId: mail.messageId, to: rcpt }, 'mail catcher: a message of no campaign message (no tenant), dropped');
      return;
    }
    const headers = mail.headerLines.map((h) => ({ name: h.line.slice(0, h.line.indexOf(':')), value: h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() }));
    await this.uow.run(tenantId, (tx) =>
      tx.query(
        `INSERT INTO caught_mail (id, tenant_id, message_id, mail_from, mail_to, subject, text_body, html_body, headers, size_bytes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [randomUUID(), tenantId, messageId, addresses(mail.from), addresses(mail.to) || rcpt.join(', '), mail.subject ?? null, mail.text ?? null, typeof mail.html === 'string' ? mail.html : null, JSON.stringify(headers), raw.length],
      ),
    );
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  if (!a) return '';
  return (Array.isArray(a) ? a : [a]).map((x) => x.text).join(', ');
}
