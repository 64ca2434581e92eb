import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { DELIVERY_CONFIG, type DeliveryConfig } from '../delivery/delivery.config';
import { DeliveryRecords, messageIdOf } from '../delivery/delivery-records';
import { Tracking } from './tracking.service';
import { verifyBodySignature, verifyToken } from './tracking-token';

/** The smallest transparent GIF (1×1). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NO_STORE = 'no-store, no-cache, must-revalidate, private';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>` +
  `<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`;

function notFound(res: Response): void {
  res.status(404).type('text/plain').set('Cache-Control', NO_STORE).send('not found');
}

/**
 * Public tracking endpoints (no JWT, no gateway: they are reached from recipients' mail clients).
 * Each carries an HMAC-signed token naming tenant, message, kind and link; a token that does not
 * verify is a 404 and nothing is read or written.
 */
@Controller()
export class TrackingController {
  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly tracking: Tracking,
  ) {}

  @Get('t/o/:file')
  async open(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const claim = file.endsWith('.gif') ? verifyToken(this.config.trackingSecret, file.slice(0, -4), 'o') : undefined;
    if (!claim) return notFound(res);
    try {
      // Stored before it is answered: an acknowledged hit is never lost.
      await this.tracking.recordOpen(claim);
    } catch {
      res.status(503).set('Cache-Control', NO_STORE).end();
      return;
    }
    res.status(200).type('image/gif').set('Cache-Control', NO_STORE).send(PIXEL);
  }

  @Get('t/c/:token')
  async click(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const claim = verifyToken(this.config.trackingSecret, token, 'c');
    const url = claim && (await this.tracking.click(claim));
    if (!url) return notFound(res);
    res.set('Cache-Control', NO_STORE).redirect(302, url);
  }

  /** A confirmation page: mail scanners fetch GET links, so only the POST (its button, or RFC 8058 one-click) unsubscribes. */
  @Get('u/:token')
  async unsubscribePage(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const claim = verifyToken(this.config.trackingSecret, token, 'u');
    const target = claim && (await this.tracking.unsubscribeTarget(claim));
    if (!target) return notFound(res);
    const what = target.channel === 'email' ? 'emails' : `${target.channel} messages`;
    res
      .status(200)
      .type('html')
      .set('Cache-Control', NO_STORE)
      .send(
        page(
          'Unsubscribe',
          `<h1>Unsubscribe</h1><p>Stop receiving marketing ${escapeHtml(what)} like “${escapeHtml(target.campaignName)}”?</p>` +
            `<form method="post" action=""><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`,
        ),
      );
  }

  /** RFC 8058 one-click unsubscribe (the mail client POSTs List-Unsubscribe=One-Click) and the page's button. */
  @Post('u/:token')
  async unsubscribe(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const claim = verifyToken(this.config.trackingSecret, token, 'u');
    if (!claim || !(await this.tracking.unsubscribe(claim))) return notFound(res);
    res.status(200).type('html').set('Cache-Control', NO_STORE).send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will not receive these messages any more.</p>'));
  }
}

const reportSchema = z.object({
  /** Our message id, or the Message-ID / client reference that contains it. */
  messageId: z.string().min(1).max(400),
  type: z.enum(['delivered', 'bounced', 'complained']),
  bounce: z.enum(['hard', 'soft']).optional(),
  diagnostic: z.string().max(2000).nullable().optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});
const webhookSchema = z.object({ events: z.array(reportSchema).min(1).max(1000) });

/**
 * Delivery callbacks of the email and SMS providers: `{"events": [{messageId, type, bounce?, diagnostic?, occurredAt?}]}`
 * signed with MARKETING_WEBHOOK_SECRET (`X-CRM-Signature: sha256=<hex HMAC of the raw body>`). A bad
 * or missing signature is 401 and nothing is recorded; no secret configured = 404.
 */
@Controller('webhooks')
export class ProviderWebhooksController {
  constructor(
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    private readonly tracking: Tracking,
    private readonly records: DeliveryRecords,
  ) {}

  @Post(['email', 'sms'])
  @HttpCode(200)
  async report(@Req() req: Request, @Res() res: Response): Promise<void> {
    const secret = this.config.webhookSecret;
    if (!secret) return notFound(res);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyBodySignature(secret, raw, req.header('x-crm-signature'))) {
      res.status(401).json({ error: 'bad or missing X-CRM-Signature (sha256=<hex HMAC-SHA256 of the body with MARKETING_WEBHOOK_SECRET>)' });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'the body is not JSON' });
      return;
    }
    const parsed = webhookSchema.safeParse(json);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid report', fields: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
      return;
    }
    const reports = parsed.data.events.map((e) => ({ ...e, id: messageIdOf(e.messageId) }));
    const tenants = await this.records.tenantsOf(reports.flatMap((r) => (r.id ? [r.id] : [])));
    let applied = 0;
    for (const r of reports) {
      const tenantId = r.id && tenants.get(r.id);
      if (!tenantId) continue;
      const done = await this.tracking.report(tenantId, { messageId: r.id!, type: r.type, bounce: r.bounce, diagnostic: r.diagnostic, occurredAt: r.occurredAt ? new Date(r.occurredAt) : new Date() });
      if (done) applied++;
    }
    res.status(200).json({ applied, unknown: reports.length - applied });
  }
}
