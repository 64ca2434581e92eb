/**
 * No deployment form ships a usable secret: docker-compose.yml, the k8s render and the .env.example
 * files either make the operator provide one or carry a value the production gateway refuses.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, productionSecretProblem } from '@crm/platform/src/config';
import { loadGatewayConfig } from './config';

const root = resolve(__dirname, '..', '..');
const SECRETS = ['JWT_SECRET', 'GATEWAY_INTERNAL_SECRET', 'POSTGRES_PASSWORD'];
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

describe('infra/k8s/render.sh', () => {
  const render = (env: Record<string, string>) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'JWT_SECRET', 'GATEWAY_INTERNAL_SECRET', 'RENDER_SECRET'].includes(k)));
    try {
      return { code: 0, out: execFileSync('bash', [join(root, 'infra/k8s/render.sh')], { env: { ...clean, ...env }, encoding: 'utf8', stdio: 'pipe' }), err: '' };
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
  });

  it('refuses to render a Secret without the values, naming the variable', () => {
    const r = render({ RENDER_SECRET: 'true' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/RENDER_SECRET=true needs DATABASE_URL/);
    expect(r.out).not.toMatch(/kind: Secret/);
  });

  it('refuses publicly known or short values', () => {
    const base = { RENDER_SECRET: 'true', DATABASE_URL: 'postgres://crm:s3cr3t-pw@db:5432/crm', JWT_SECRET: strong(), GATEWAY_INTERNAL_SECRET: strong() };
    expect(render({ ...base, JWT_SECRET: 'dev-jwt-secret-change-me' }).err).toMatch(/JWT_SECRET is a publicly known example value/);
    expect(render({ ...base, GATEWAY_INTERNAL_SECRET: 'dev-internal-secret-change-me' }).err).toMatch(/GATEWAY_INTERNAL_SECRET is a publicly known example value/);
    expect(render({ ...base, JWT_SECRET: 'short-but-16-chars' }).err).toMatch(/JWT_SECRET must be at least 32 characters/);
    expect(render({ ...base, DATABASE_URL: 'postgres://crm:crm@db:5432/crm' }).err).toMatch(/DATABASE_URL uses the example password/);
  });

  it('renders the Secret with the operator’s values', () => {
    const jwt = strong();
    const r = render({ RENDER_SECRET: 'true', DATABASE_URL: 'postgres://crm:s3cr3t-pw@db:5432/crm', JWT_SECRET: jwt, GATEWAY_INTERNAL_SECRET: strong() });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`JWT_SECRET: "${jwt}"`);
  });
});
