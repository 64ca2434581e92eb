import { ConfigError, startService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { marketingService } from '../src/service';

/** Boot-time configuration of delivery: every problem named, before anything connects. */
describe('delivery configuration at boot', () => {
  const boot = (env: Record<string, string>) => startService(marketingService, { env: serviceTestEnv('never_created', `${uniqueId('cfg')}.`, env) });

  it('production without an SMTP server, public URL or tracking secret refuses to boot, naming each', async () => {
    const err = await boot({ NODE_ENV: 'production', GATEWAY_INTERNAL_SECRET: 'a-real-looking-internal-secret-0123456789' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^MARKETING_SMTP_URL: MARKETING_SMTP_URL is required in production/m);
    expect(problems).toMatch(/^MARKETING_PUBLIC_URL: /m);
    expect(problems).toMatch(/^MARKETING_TRACKING_SECRET: /m);
  });

  it('production refuses a public example tracking secret; bad values are named in any environment', async () => {
    const prod = await boot({
      NODE_ENV: 'production',
      GATEWAY_INTERNAL_SECRET: 'a-real-looking-internal-secret-0123456789',
      MARKETING_SMTP_URL: 'smtps://user:pw@smtp.example.com:465',
      MARKETING_PUBLIC_URL: 'https://crm.example.com',
      MARKETING_TRACKING_SECRET: 'dev-marketing-tracking-secret-change-me',
    }).catch((e: unknown) => e);
    expect((prod as ConfigError).problems).toEqual([
      expect.stringMatching(/^MARKETING_SMTP_URL: MARKETING_SMTP_URL holds a password: .* put the password in the secret MARKETING_SMTP_PASSWORD/),
      expect.stringMatching(/^MARKETING_TRACKING_SECRET: MARKETING_TRACKING_SECRET is a publicly known example value/),
    ]);
    const dev = await boot({ MARKETING_SMTP_URL: 'http://not-smtp', MARKETING_MAIL_CATCHER_PORT: '70000', MARKETING_SMS_URL: 'nope' }).catch((e: unknown) => e);
    expect((dev as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['MARKETING_MAIL_CATCHER_PORT', 'MARKETING_SMS_URL', 'MARKETING_SMTP_URL']);
  });

  it('the embedded mail catcher names its port when it is taken', async () => {
    const fresh = await freshSchema('mkcfg');
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as import('node:net').AddressInfo).port)));
    try {
      const err = await startService(marketingService, { env: serviceTestEnv(fresh.schema, `${uniqueId('cfg')}.`, { MARKETING_MAIL_CATCHER_PORT: String(port) }) }).catch((e: unknown) => e);
      expect((err as Error).message).toContain(`the mail catcher cannot listen on 127.0.0.1:${port} (EADDRINUSE): set MARKETING_MAIL_CATCHER_PORT`);
    } finally {
      blocker.close();
      await fresh.drop();
    }
  });
});
