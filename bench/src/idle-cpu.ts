/**
 * What a service costs while nothing happens: process CPU over an idle period after boot (Kafka
 * consumers polling, relays, schedulers). Usage:
 *   DATABASE_URL=… KAFKA_BROKERS=… node -r @swc-node/register bench/src/idle-cpu.ts [contacts|sales|marketing] [seconds]
 */
import { contactsService } from '@crm/contacts';
import { marketingService } from '@crm/marketing';
import { startService } from '@crm/platform';
import { salesService } from '@crm/sales';
import { freshSchema, serviceTestEnv, uniqueId } from '@crm/testing';
import { env } from './stats';

async function main() {
  env('DATABASE_URL');
  const name = process.argv[2] ?? 'marketing';
  const seconds = Number(process.argv[3] ?? 10);
  const definition = { contacts: contactsService, sales: salesService, marketing: marketingService }[name];
  if (!definition) throw new Error(`unknown service ${name}`);
  const fresh = await freshSchema('idle');
  const svc = await startService(definition as typeof contactsService, { env: { ...serviceTestEnv(fresh.schema, `${uniqueId('idle')}.`), LOG_LEVEL: 'warn' } });
  await new Promise((r) => setTimeout(r, 3000)); // consumer groups joined, first polls done
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ bench: 'idle CPU', service: name, seconds, cpuPercentOfOneCore: +(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100).toFixed(1) }));
  await svc.stop();
  await fresh.drop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
