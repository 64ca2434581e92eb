/**
 * Campaign email dispatch: emails/s through the real email adapter (nodemailer, pooled SMTP
 * connections, tracking links and pixel, the delivery_messages row) to a local smtp-server sink that
 * accepts everything. Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/marketing-dispatch.ts [total] [concurrency] [smtpPool]
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ChannelAdapters, marketingService } from '@crm/marketing';
import { startService } from '@crm/platform';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { env, fmt, summary } from './stats';

async function main() {
  env('DATABASE_URL');
  const total = Number(process.argv[2] ?? 5000);
  const concurrency = Number(process.argv[3] ?? 32);
  const pool = Number(process.argv[4] ?? 8);
  let received = 0;
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        cb();
      });
    },
  });
  const port = await new Promise<number>((r) => sink.listen(0, '127.0.0.1', () => r((sink.server.address() as AddressInfo).port)));
  const fresh = await freshSchema('bench');
  const svc = await startService(marketingService, {
    env: { ...serviceTestEnv(fresh.schema, `${uniqueId('bench')}.`), LOG_LEVEL: 'warn', DB_POOL_SIZE: '20', MARKETING_SMTP_URL: `smtp://127.0.0.1:${port}`, MARKETING_SMTP_POOL_SIZE: String(pool), MARKETING_PUBLIC_URL: 'https://t.example.com' },
  });
  const email = svc.app.get(ChannelAdapters).get('email');
  const campaignId = randomUUID();
  const html = '<html><body><h1>Spring</h1><p>Hello {{name}}, our spring range is in.</p><a href="https://shop.example/spring">Shop</a> <a href="https://shop.example/sale">Sale</a></body></html>';
  const message = (i: number) => ({
    tenantId: 'bench', messageId: randomUUID(), campaignId, campaignName: 'Bench', contactId: randomUUID(), channel: 'email' as const, variant: null,
    address: `r${i}@bench.example`, recipientName: `Recipient ${i}`, subject: 'Spring is here', html, text: 'Hello, our spring range is in: https://shop.example/spring',
  });
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const r = await email.send(message(i)).catch(() => ({ permanentFailure: { diagnostic: 'thrown' } }));
      if (r.permanentFailure) failed++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: pool }, (_, k) => email.send(message(-k - 1)))); // warm-up: connections, JIT
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const s = summary(latencies);
  console.log(JSON.stringify({ bench: 'marketing email dispatch', total, concurrency, smtpPool: pool, failed, received: received - pool, seconds: +seconds.toFixed(2), perSecond: Math.round(total / seconds), processCpuMsPerItem: +((Object.values(process.cpuUsage(cpu0)).reduce((a, b) => a + b, 0) / 1000) / total).toFixed(3), p50: fmt(s.p50), p99: fmt(s.p99) }));
  await svc.stop();
  await fresh.drop();
  await new Promise((r) => sink.close(() => r(undefined)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
