import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { contactsService } from '@crm/contacts';
import { serviceMigrations, startService, type RunningService } from '@crm/platform';
import { adminQuery, freshSchema, kafkaBrokers, serviceTestEnv, uniqueId } from '@crm/testing';

const CLI = join(__dirname, '../bin/crm.js');

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// TypeORM applies pending migrations in timestamp order (the digits ending each name), whichever list they come from.
const timestampOf = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);
const expectedNames = serviceMigrations(contactsService)
  .map((m) => (m as { name: string }).name)
  .sort((a, b) => timestampOf(a) - timestampOf(b));

/** Each migration recorded once in the schema's migrations table (a race records or runs one twice, or fails). */
async function recordedMigrations(svcOrQuery: { query: (sql: string) => Promise<any[]> }, schema: string) {
  return svcOrQuery.query(`SELECT name, count(*)::int AS n FROM "${schema}".migrations GROUP BY name ORDER BY name`);
}

describe('migrations at deploy time (real Postgres + Kafka)', () => {
  it('`crm migrate` refuses to run without DATABASE_URL, naming it', () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const r = spawnSync(process.execPath, [CLI, 'migrate'], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_URL: DATABASE_URL is required/);
  });

  it('two concurrent `crm migrate` jobs on a fresh schema both succeed, migrations run once; a service then starts with RUN_MIGRATIONS=false', async () => {
    const fresh = await freshSchema('migjob');
    const env = { ...process.env, DATABASE_URL: fresh.url, DB_SCHEMA: fresh.schema };
    let svc: RunningService | undefined;
    try {
      const runs = await Promise.all([runCli(['migrate', '--modules', 'contacts'], env), runCli(['migrate', '--modules', 'contacts'], env)]);
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
      const outputs = runs.map((r) => r.stdout.trim()).sort();
      expect(outputs).toEqual([`contacts (schema ${fresh.schema}): applied ${expectedNames.join(', ')}`, `contacts (schema ${fresh.schema}): up to date`].sort());

      svc = await startService(contactsService, { env: serviceTestEnv(fresh.schema, `${uniqueId('migjob')}.`, { RUN_MIGRATIONS: 'false' }) });
      const recorded = await recordedMigrations(svc.dataSource, fresh.schema);
      expect(recorded.map((r: { name: string }) => r.name).sort()).toEqual([...expectedNames].sort());
      expect(recorded.every((r: { n: number }) => r.n === 1)).toBe(true);
      expect((await adminQuery(`SELECT count(*)::int AS n FROM "${fresh.schema}".contacts`))[0].n).toBe(0);
    } finally {
      await svc?.stop();
      await fresh.drop();
    }
  });

  it('two replicas starting at once on a fresh schema both come up, migrations run once, and their topic has the configured retention', async () => {
    const fresh = await freshSchema('migboot');
    const prefix = `${uniqueId('migboot')}.`;
    const env = serviceTestEnv(fresh.schema, prefix, { EVENT_RETENTION_HOURS: '5' });
    const started = await Promise.allSettled([startService(contactsService, { env }), startService(contactsService, { env })]);
    const replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const admin = new Kafka({ clientId: 'migrate-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    try {
      expect(started.filter((s) => s.status === 'rejected')).toEqual([]);
      const recorded = await recordedMigrations(replicas[0].dataSource, fresh.schema);
      expect(recorded.map((r: { name: string }) => r.name).sort()).toEqual([...expectedNames].sort());
      expect(recorded.every((r: { n: number }) => r.n === 1)).toBe(true);

      await admin.connect();
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [`${prefix}crm.contacts.events`, `${prefix}crm.contacts.events.dlt`].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
      });
      expect(resources.map((r) => r.configEntries[0].configValue)).toEqual([String(5 * 3_600_000), String(5 * 3_600_000)]);
      expect(replicas[0].info.eventRetention).toEqual({ retentionMs: 5 * 3_600_000, segmentMs: 5 * 3_600_000 });
    } finally {
      await admin.disconnect();
      await Promise.all(replicas.map((r) => r.stop()));
      await fresh.drop();
    }
  });
});
