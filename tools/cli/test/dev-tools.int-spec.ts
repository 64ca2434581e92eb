import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { salesService } from '@crm/sales';
import { MODULES, TOPICS } from '@crm/events';
import { startService } from '@crm/platform';
import { eventually, freshSchema, kafkaBrokers, serviceTestEnv, uniqueId } from '@crm/testing';

const CLI = join(__dirname, '../bin/crm.js');
const kafka = new Kafka({ clientId: 'dev-tools-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });

/** `crm events tail` as a user runs it; resolves with its output once `until` holds, then Ctrl-C. */
async function tail(env: NodeJS.ProcessEnv, until: (out: { stdout: string; stderr: string }) => Promise<boolean>, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'events', 'tail', '--json', '--from-beginning', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually(async () => {
      if (child.exitCode !== null) return true;
      return until(out);
    }, 30000, `tail output: ${JSON.stringify(out)}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGINT');
  }
  return { ...out, code: await exited };
}

describe('crm events tail', () => {
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('with no module topic on the broker, says so instead of failing on a missing topic-partition', async () => {
    const prefix = uniqueId('tailnone');
    const r = spawnSync(process.execPath, [CLI, 'events', 'tail'], { env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix }, encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(1);
    const all = MODULES.map((m) => `${prefix}.${TOPICS[m]}`);
    expect(r.stderr).toContain(`crm: none of the module topics exists yet (${all.join(', ')}; KAFKA_TOPIC_PREFIX=${prefix})`);
  });

  it('follows the prefixed module topics that exist, in a prefixed group of its own', async () => {
    const prefix = uniqueId('tail');
    const topic = `${prefix}.crm.contacts.events`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: JSON.stringify({ hello: prefix }) }] });
    await producer.disconnect();
    let groups: string[] = [];
    const r = await tail({ KAFKA_TOPIC_PREFIX: prefix }, async (o) => {
      if (!o.stdout.includes(prefix)) return false;
      groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      return true;
    });
    const missing = MODULES.filter((m) => m !== 'contacts').map((m) => `${prefix}.${TOPICS[m]}`);
    expect(r.stderr).toContain(`tailing ${topic} on ${kafkaBrokers().join(',')} (not on the broker yet: ${missing.join(', ')})`);
    expect(r.stdout.trim()).toBe(JSON.stringify({ hello: prefix }));
    expect(groups).toEqual([expect.stringMatching(new RegExp(`^${prefix}\\.crm-cli-tail-`))]);
  });

  it('a named topic that does not exist is refused, pointing at the prefixed one that does', async () => {
    const prefix = uniqueId('tailnamed');
    const named = `${uniqueId('crm.nothing')}.events`;
    await admin.createTopics({ topics: [{ topic: `${prefix}.${named}`, numPartitions: 1 }], waitForLeaders: true });
    const r = spawnSync(process.execPath, [CLI, 'events', 'tail', named, '--prefix', prefix], { env: process.env, encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`crm: topic ${named} does not exist on the broker (did you mean ${prefix}.${named}? the prefix is not added to a topic you name)`);
  });
});

describe('environment prefixes on a service', () => {
  it('KAFKA_TOPIC_PREFIX alone prefixes topics and consumer groups, with a separator', async () => {
    const prefix = uniqueId('envpfx');
    const fresh = await freshSchema('envpfx');
    const env = serviceTestEnv(fresh.schema, prefix);
    delete env.CONSUMER_GROUP_PREFIX;
    const svc = await startService(salesService, { env });
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(svc.info.topic).toBe(`${prefix}.crm.sales.events`);
      const groups = await eventually(async () => {
        const g = (await admin.listGroups()).groups.map((x) => x.groupId).filter((x) => x.startsWith(prefix));
        return g.length ? g : null;
      }, 30000, 'the service consumer groups');
      expect(groups).toContain(`${prefix}.sales.contact-replica`);
      expect(await admin.listTopics()).toEqual(expect.arrayContaining([`${prefix}.crm.contacts.events`]));
    } finally {
      await admin.disconnect();
      await svc.stop();
      await fresh.drop();
    }
  });
});

describe('crm without a gateway, and its .env', () => {
  it('says which gateway it could not reach and what to do', async () => {
    // A port nothing listens on (taken, then released).
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const url = `http://127.0.0.1:${port}/graphql`;
    const dir = mkdtempSync(join(tmpdir(), 'crm-nogw-'));
    writeFileSync(join(dir, 'people.csv'), 'firstName,lastName\nAda,Lovelace\n');
    const r = spawnSync(process.execPath, [CLI, 'import', 'contacts', join(dir, 'people.csv'), '--gateway', url, '--token', 't'], {
      env: { ...process.env, CRM_HOME: dir },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `crm: cannot reach the gateway at ${url} (ECONNREFUSED): start the CRM first (\`pnpm start\`, or \`pnpm nx serve gateway\` with its modules), or point --gateway (or CRM_GATEWAY_URL) at a running gateway`,
    );
    expect(r.stderr).not.toContain('fetch failed');
  });

  it('loads the .env file (CRM_ENV_FILE), the environment winning over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-env-'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'JWT_ISSUER=issuer-from-env-file\nJWT_AUDIENCE=audience-from-env-file\n');
    const claims = (env: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [CLI, 'token', '--tenant', 't1'], { env: { ...process.env, CRM_HOME: dir, CRM_ENV_FILE: envFile, ...env }, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return JSON.parse(Buffer.from(r.stdout.trim().split('.')[1], 'base64url').toString());
    };
    expect(claims({ JWT_ISSUER: undefined, JWT_AUDIENCE: undefined })).toMatchObject({ iss: 'issuer-from-env-file', aud: 'audience-from-env-file' });
    expect(claims({ JWT_ISSUER: 'issuer-from-environment' })).toMatchObject({ iss: 'issuer-from-environment', aud: 'audience-from-env-file' });
  });
});
