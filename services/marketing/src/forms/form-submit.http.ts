import { Controller, HttpCode, Options, Param, Post, Req, Res } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { escapeHtml } from './embed-html';
import { SubmitForm } from './submit-form';

/** Largest accepted submission body; a form of 30 fields of real text fits many times over. */
export const FORM_BODY_LIMIT_BYTES = 16 * 1024;

/** The public route's path under the service (also in the manifest's `routes`). */
export const FORM_SUBMIT_PATH = 'forms';

const errorBody = (message: string, field: string | null = null) => ({ errors: [{ field, message }] });

/**
 * Rate limit per client IP and form (express-rate-limit, the gateway's library), checked before the
 * body is read so a flood costs no parsing: over the limit → 429 with Retry-After and the IETF
 * RateLimit headers. Counters are per process (a replica counts its own share).
 */
export function formRateLimiter(limit: number, windowMs: number): RequestHandler {
  if (limit <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'form-submit',
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}:${req.originalUrl.split('?')[0]}`,
    handler: (_req, res) => {
      const retryAfter = Number(res.getHeader('retry-after')) || Math.ceil(windowMs / 1000);
      res.status(429).json(errorBody(`too many submissions from this address to this form; retry after ${retryAfter} s`));
    },
  });
}

/**
 * The body of a submission: urlencoded (a plain HTML form) or JSON (a script), at most 16 kB; the
 * platform parses only /graphql, so these limits are the only ones. Too large → 413, malformed → 400,
 * another type → 415, each as `{ errors: [{ field, message }] }`.
 */
export function formBodyParser(): RequestHandler {
  const parsers = [express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT_BYTES, parameterLimit: 200 }), express.json({ limit: FORM_BODY_LIMIT_BYTES })];
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST') return next();
    const run = (i: number): void => {
      if (i === parsers.length) {
        if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
          res.status(415).json(errorBody('send the form as application/x-www-form-urlencoded or as a JSON object'));
          return;
        }
        next();
        return;
      }
      parsers[i](req, res, (err?: unknown) => {
        if (!err) return run(i + 1);
        const e = err as { type?: string; status?: number };
        if (e.type === 'entity.too.large') res.status(413).json(errorBody(`the submission is larger than ${FORM_BODY_LIMIT_BYTES} bytes`));
        else res.status(e.status && e.status < 500 ? e.status : 400).json(errorBody('the body could not be read as a form or as JSON'));
      });
    };
    run(0);
  };
}

/**
 * `POST /forms/:formKey` — public (no JWT, no gateway context: the platform's context middleware
 * guards /graphql only, and the operation guard only GraphQL operations). The key names the tenant;
 * the submission is stored (with its event) before it is acknowledged.
 */
@Controller(FORM_SUBMIT_PATH)
export class FormSubmitController {
  constructor(private readonly submit: SubmitForm) {}

  /** CORS preflight of a JSON submission from a script on the marketer's site (no credentials involved). */
  @Options(':formKey')
  @HttpCode(204)
  preflight(@Res({ passthrough: true }) res: Response): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
  }

  @Post(':formKey')
  async post(@Param('formKey') formKey: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'no-store');
    const out = await this.submit.execute({ formKey, body: req.body as Record<string, unknown>, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });
    if (out.kind === 'not_found') {
      res.status(404).json(errorBody('no such form (or it was archived)'));
      return;
    }
    if (out.kind === 'invalid') {
      res.status(400).json({ errors: out.errors });
      return;
    }
    if (out.redirectUrl) {
      res.redirect(303, out.redirectUrl);
      return;
    }
    const message = out.thankYouMessage ?? 'Thank you!';
    if (req.is('application/json') || req.accepts(['html', 'json']) === 'json') {
      res.status(200).json({ ok: true, message });
      return;
    }
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.status(200).type('html').send(`<!doctype html>\n<html><head><meta charset="utf-8"><title>Thank you</title></head><body><p>${escapeHtml(message)}</p></body></html>\n`);
  }
}
