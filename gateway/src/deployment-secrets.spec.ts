/**
 * No deployment form ships a usable secret: docker-compose.yml, the k8s render and the .env.example
 * files either make the operator provide one or carry a value the production gateway refuses.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, productionSecretProblem } from '@crm/platform/src/config';
import { MODULE_MANIFESTS, MODULES } from '@crm/events';
import { loadGatewayConfig } from './config';

const root = resolve(__dirname, '..', '..');
const SECRETS = ['JWT_SECRET', 'GATEWAY_INTERNAL_SECRET', 'POSTGRES_PASSWORD', 'CONTACTS_DB_PASSWORD', 'SALES_DB_PASSWORD'];
const strong = () => `${Math.random().toString(36).slice(2)}${'x'.repeat(40)}`;

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

describe('docker-compose.yml', () => {
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

  it.each(SECRETS)('makes the operator provide %s: every use is ${%s:?…}, never a default or a literal', (name) => {
    const uses = [...text.matchAll(new RegExp(`\\$\\{${name}([^}]*)\\}`, 'g'))].map((m) => m[1]);
    expect(uses.length).toBeGreaterThan(0);
    for (const rest of uses) expect(rest).toMatch(/^:\?.*\S/);
    // no "NAME: literal" lines outside comments
    const literal = text.split('\n').filter((l) => !l.trim().startsWith('#') && new RegExp(`^\\s*${name}:\\s*[^"$\\s]`).test(l));
    expect(literal).toEqual([]);
  });

  it('runs every module as its own login crm_<module>; only the db-init step uses the admin (issue 6 §4)', () => {
    const urls = [...text.matchAll(/^\s+DATABASE_URL: "postgres:\/\/([^:]+):/gm)].map((m) => m[1]);
    // docker-compose.yml is generated from the module manifests: every module, none more.
    expect(urls).toEqual(MODULES.map((m) => `crm_${m}`));
    const admin = text.split('\n').filter((l) => !l.trim().startsWith('#') && l.includes('${POSTGRES_PASSWORD'));
    expect(admin).toEqual([expect.stringMatching(/^\s+POSTGRES_PASSWORD:/), expect.stringMatching(/^\s+DATABASE_ADMIN_URL: "postgres:\/\/crm:/)]);
  });

  it('runs the gateway in production mode, where example secrets are refused', () => {
    const gateway = text.slice(text.indexOf('\n  gateway:'));
    expect(gateway).toMatch(/NODE_ENV: production/);
  });
});

describe('.env.example files', () => {
  it('gateway/.env.example has no secret the production gateway would accept', () => {
    const env = envFile(join(root, 'gateway', '.env.example'));
    let message = '';
    try {
      loadGatewayConfig({ ...env, NODE_ENV: 'production' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/JWT_SECRET/);
    expect(message).toMatch(/GATEWAY_INTERNAL_SECRET/);
  });

  it('services/*/.env.example carry no usable GATEWAY_INTERNAL_SECRET', () => {
    const services = readdirSync(join(root, 'services'));
    expect(services.length).toBeGreaterThan(0);
    for (const service of services) {
      const env = envFile(join(root, 'services', service, '.env.example'));
      const value = env.GATEWAY_INTERNAL_SECRET ?? '';
      expect({ service, usable: value !== '' && !productionSecretProblem('GATEWAY_INTERNAL_SECRET', value) }).toEqual({ service, usable: false });
    }
  });
});

describe('services/*/.env.example database logins', () => {
  it('each service connects as its own login crm_<service>, never postgres (issue 6 §4)', () => {
    for (const service of readdirSync(join(root, 'services'))) {
      const url = envFile(join(root, 'services', service, '.env.example')).DATABASE_URL ?? '';
      expect({ service, user: /^postgres(ql)?:\/\/([^:@/]+)/.exec(url)?.[2] }).toEqual({ service, user: `crm_${service}` });
    }
  });
});

describe('infra/k8s/render.sh', () => {
  // Every installed module's own login (crm db init), e.g. CONTACTS_DATABASE_URL as crm_contacts.
  const dbUrls: Record<string, string> = Object.fromEntries(
    MODULES.map((m, i) => [`${m.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`, `postgres://crm_${m}:s3cr3t-pw${i || ''}@db:5432/crm`]),
  );
  // What the modules themselves require in production (their manifests' `production`): settings and
  // secrets an operator sets, given here so these tests are about the platform's own secrets.
  const moduleProduction: Record<string, string> = Object.fromEntries(
    MODULE_MANIFESTS.flatMap((m) => {
      const p = (m as { production?: { secrets?: string[]; settings?: Record<string, { smoke: string }> } }).production;
      return [
        ...Object.entries(p?.settings ?? {}).map(([k, v]) => [k, v.smoke.replace('{port}', String(m.port)).replace('{freePort}', '2525')]),
        ...(p?.secrets ?? []).map((k) => [k, randomBytes(32).toString('base64')]),
      ];
    }),
  );
  const render = (env: Record<string, string>) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.endsWith('_DATABASE_URL') && !['JWT_SECRET', 'GATEWAY_INTERNAL_SECRET', 'RENDER_SECRET'].includes(k)));
    try {
      return { code: 0, out: execFileSync('bash', [join(root, 'infra/k8s/render.sh')], { env: { ...clean, ...moduleProduction, ...env }, encoding: 'utf8', stdio: 'pipe' }), err: '' };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: err.stdout, err: err.stderr };
    }
  };

  it('renders no Secret by default (the operator creates crm-secrets)', () => {
    const r = render({});
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/kind: Secret/);
    expect(r.out).toMatch(/secretKeyRef:\s+name: crm-secrets\s+key: JWT_SECRET/);
    // The gateway stays routable while one module is down; modules use their own readiness.
    expect(r.out).toMatch(/name: gateway[\s\S]*readinessProbe:\s+httpGet:\s+path: \/health\/ready\?subgraphs=optional/);
    expect(r.out).toMatch(/name: contacts[\s\S]*readinessProbe:\s+httpGet:\s+path: \/health\/ready\n/);
    // Each module reads its own login's URL; the gateway gets no database URL at all.
    expect(r.out).toMatch(/name: DATABASE_URL\s+valueFrom:\s+secretKeyRef:\s+name: crm-secrets\s+key: CONTACTS_DATABASE_URL/);
    expect(r.out).toMatch(/name: DATABASE_URL\s+valueFrom:\s+secretKeyRef:\s+name: crm-secrets\s+key: SALES_DATABASE_URL/);
    expect(r.out.slice(r.out.indexOf('name: gateway'))).not.toMatch(/DATABASE_URL/);
  });

  it('refuses to render a Secret without the values, naming the variable', () => {
    const r = render({ RENDER_SECRET: 'true' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/RENDER_SECRET=true needs JWT_SECRET/);
    expect(r.out).not.toMatch(/kind: Secret/);
  });

  it('refuses publicly known or short values', () => {
    const base = { RENDER_SECRET: 'true', ...dbUrls, JWT_SECRET: strong(), GATEWAY_INTERNAL_SECRET: strong() };
    expect(render({ ...base, JWT_SECRET: 'dev-jwt-secret-change-me' }).err).toMatch(/JWT_SECRET is a publicly known example value/);
    expect(render({ ...base, GATEWAY_INTERNAL_SECRET: 'dev-internal-secret-change-me' }).err).toMatch(/GATEWAY_INTERNAL_SECRET is a publicly known example value/);
    expect(render({ ...base, JWT_SECRET: 'short-but-16-chars' }).err).toMatch(/JWT_SECRET must be at least 32 characters/);
    expect(render({ ...base, SALES_DATABASE_URL: 'postgres://crm_sales:crm@db:5432/crm' }).err).toMatch(/SALES_DATABASE_URL uses the example password/);
    expect(render({ ...base, SALES_DATABASE_URL: '' }).err).toMatch(/RENDER_SECRET=true needs SALES_DATABASE_URL/);
  });

  it('refuses a module database URL that is not the module’s own login (issue 6 §4)', () => {
    const base = { RENDER_SECRET: 'true', ...dbUrls, JWT_SECRET: strong(), GATEWAY_INTERNAL_SECRET: strong() };
    for (const url of ['postgres://postgres:s3cr3t-pw@db:5432/crm', 'postgres://crm:s3cr3t-pw@db:5432/crm', 'postgres://crm_sales:s3cr3t-pw@db:5432/crm']) {
      const r = render({ ...base, CONTACTS_DATABASE_URL: url });
      expect({ url, code: r.code, err: r.err }).toEqual({ url, code: 1, err: expect.stringMatching(/CONTACTS_DATABASE_URL must log in as the module's own role crm_contacts/) });
    }
  });

  it('renders the Secret with the operator’s values', () => {
    const jwt = strong();
    const r = render({ RENDER_SECRET: 'true', ...dbUrls, JWT_SECRET: jwt, GATEWAY_INTERNAL_SECRET: strong() });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`JWT_SECRET: "${jwt}"`);
    expect(r.out).toContain(`CONTACTS_DATABASE_URL: "${dbUrls.CONTACTS_DATABASE_URL}"`);
  });
});
