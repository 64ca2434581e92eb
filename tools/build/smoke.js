#!/usr/bin/env node
// Boot check of the production outputs (after `nx run-many -t deploy`): each out/<name> is copied
// outside the workspace (so nothing can resolve from the workspace's node_modules) and run with plain
// `node`, NODE_ENV=production, against the real PostgreSQL and Kafka of DATABASE_URL (an admin) and
// KAFKA_BROKERS: each module migrates with `node dist/migrate.js` as its own least-privilege login, starts
// with RUN_MIGRATIONS=false and must answer /health/ready; then the gateway composes them and must too.
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');

// Hard links: the copy is instant and still a separate tree outside the workspace.
const copyTree = (from, to) => execFileSync('cp', ['-al', from, to]);
const { tmpdir } = require('node:os');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');
const { Client } = require('pg');

const workspaceRoot = resolve(__dirname, '..', '..');
const { ensureModuleRoles, dropModuleRoles, urlWithLogin } = require(join(workspaceRoot, 'libs/db-roles/dist/src/index.js'));
// The installed modules, from their manifests (services/<name>/package.json with a "crm" key).
const manifestOf = (d) => JSON.parse(readFileSync(join(workspaceRoot, 'services', d, 'package.json'), 'utf8')).crm;
const MODULES = readdirSync(join(workspaceRoot, 'services'))
  .filter((d) => existsSync(join(workspaceRoot, 'services', d, 'package.json')))
  .filter((d) => manifestOf(d))
  .sort();
const secret = () => randomBytes(32).toString('base64');

/**
 * What production requires of a module (crm.production of its manifest, libs/events/src/manifest.ts):
 * every secret, optional ones too (so their production checks run), random and 44 characters; every
 * setting its `smoke` value, {port} = the module's port, {freePort} = a port nothing listens on.
 */
async function productionEnv(module, port, nextPort) {
  const p = manifestOf(module).production ?? {};
  const env = {};
  for (const v of [...(p.secrets ?? []), ...(p.optionalSecrets ?? [])]) env[v] = secret();
  for (const [v, { smoke }] of Object.entries(p.settings ?? {})) {
    let value = smoke.replaceAll('{port}', String(port));
    while (value.includes('{freePort}')) value = value.replace('{freePort}', String(await nextPort()));
    env[v] = value;
  }
  return env;
}

async function admin(fn) {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function run(name, dir, script, env) {
  const child = spawn(process.execPath, [join(dir, 'dist', script)], { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { name, child, exited, output: () => output };
}

async function ready(proc, port, timeoutMs = 90000) {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  proc.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${proc.name} did not become ready on :${port}:\n${proc.output().slice(-4000)}`);
}

async function stop(proc) {
  proc.child.kill('SIGTERM');
  const { code } = await proc.exited;
  if (code !== 0) throw new Error(`${proc.name} exited ${code} on SIGTERM:\n${proc.output().slice(-2000)}`);
}

async function main() {
  for (const v of ['DATABASE_URL', 'KAFKA_BROKERS']) if (!process.env[v]) throw new Error(`${v} is required`);
  const work = mkdtempSync(join(tmpdir(), 'crm-smoke-'));
  const run_id = randomBytes(4).toString('hex');
  const internalSecret = secret();
  const started = [];
  const logins = [];
  try {
    const ports = {};
    // Ports the OS says are free (a random pick from a range collides with ephemeral client ports).
    const nextPort = () => new Promise((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    for (const module of MODULES) {
      const dir = join(work, module);
      copyTree(join(workspaceRoot, 'out', module), dir);
      const login = `smoke_${module}_${run_id}`;
      const password = secret().replace(/[^A-Za-z0-9]/g, '');
      await admin((c) => ensureModuleRoles(c, { login, schema: login, password }));
      logins.push(login);
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: urlWithLogin(process.env.DATABASE_URL, login, password),
        DB_SCHEMA: login,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_TOPIC_PREFIX: `smoke-${run_id}`,
        CONSUMER_GROUP_PREFIX: `smoke-${run_id}`,
        GATEWAY_INTERNAL_SECRET: internalSecret,
        HOST: '127.0.0.1',
        RUN_MIGRATIONS: 'false',
        LOG_LEVEL: 'warn',
      };
      const migrate = run(`${module} migrate`, dir, 'migrate.js', { ...env, LOG_LEVEL: 'info' });
      const { code } = await migrate.exited;
      // A fresh schema: the job must have applied the migrations the service (RUN_MIGRATIONS=false) relies on.
      if (code !== 0 || !/applied \d+ migration/.test(migrate.output())) throw new Error(`${module}: node dist/migrate.js exited ${code}:\n${migrate.output()}`);
      ports[module] = await nextPort();
      // Only the service gets them: the migration job reads DATABASE_URL and DB_SCHEMA only.
      const production = await productionEnv(module, ports[module], nextPort);
      const proc = run(module, dir, 'main.js', { ...env, ...production, PORT: String(ports[module]), METRICS_PORT: String(await nextPort()) });
      started.push(proc);
      await ready(proc, ports[module]);
      const given = Object.keys(production);
      process.stdout.write(`${module}: ${/applied \d+ migration\(s\)/.exec(migrate.output())[0]} by node dist/migrate.js, ready on :${ports[module]}${given.length ? ` with ${given.join(', ')}` : ''}\n`);
    }
    const gatewayDir = join(work, 'gateway');
    copyTree(join(workspaceRoot, 'out', 'gateway'), gatewayDir);
    const gatewayPort = await nextPort();
    const gateway = run('gateway', gatewayDir, 'main.js', {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      METRICS_PORT: String(await nextPort()),
      SUBGRAPHS: MODULES.map((m) => `${m}=http://127.0.0.1:${ports[m]}/graphql`).join(','),
      JWT_SECRET: secret(),
      GATEWAY_INTERNAL_SECRET: internalSecret,
      LOG_LEVEL: 'warn',
    });
    started.push(gateway);
    await ready(gateway, gatewayPort);
    process.stdout.write(`gateway: composed ${MODULES.join(' + ')}, ready on :${gatewayPort}\n`);
    while (started.length) await stop(started.pop());
    process.stdout.write('smoke: every production output booted with plain node and stopped cleanly on SIGTERM\n');
  } finally {
    for (const proc of started) proc.child.kill('SIGKILL');
    for (const login of logins) await admin((c) => dropModuleRoles(c, { login, schema: login })).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`smoke failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
