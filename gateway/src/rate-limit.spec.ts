import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRateLimiter } from './rate-limit';

/** The factory as a coming public endpoint (a form, a webhook) would use it. */
async function serve(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('createRateLimiter', () => {
  it('limits a public endpoint by its own key, with the standard headers', async () => {
    const limited: string[] = [];
    const app = express();
    app.post(
      '/webhooks/:source',
      createRateLimiter({ policy: 'webhook', limit: 3, windowMs: 10_000, key: (req) => String(req.params.source), onLimited: (req) => limited.push(String(req.params.source)) }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    const s = await serve(app);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.url}/webhooks/shop`, { method: 'POST' })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await fetch(`${s.url}/webhooks/shop`, { method: 'POST' });
      expect(refused.headers.get('retry-after')).toMatch(/^([1-9]|10)$/);
      expect(refused.headers.get('ratelimit')).toMatch(/^"webhook"; r=0; t=\d+$/);
      expect(refused.headers.get('ratelimit-policy')).toMatch(/^"webhook"; q=3; w=10; pk=:[^:]+:$/);
      expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_REQUESTS', policy: 'webhook' } }] });
      expect((await fetch(`${s.url}/webhooks/crm`, { method: 'POST' })).status).toBe(200);
      expect(limited).toEqual(['shop', 'shop', 'shop']);
    } finally {
      await s.close();
    }
  });

  it('is off with limit 0, and lets requests without a key through uncounted', async () => {
    const app = express();
    app.get('/off', createRateLimiter({ policy: 'off', limit: 0, windowMs: 1000 }), (_req, res) => void res.send('ok'));
    app.get('/keyless', createRateLimiter({ policy: 'k', limit: 1, windowMs: 10_000, key: () => undefined }), (_req, res) => void res.send('ok'));
    const s = await serve(app);
    try {
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${s.url}/off`)).status).toBe(200);
        const keyless = await fetch(`${s.url}/keyless`);
        expect(keyless.status).toBe(200);
        expect(keyless.headers.get('ratelimit')).toBeNull();
      }
    } finally {
      await s.close();
    }
  });
});
