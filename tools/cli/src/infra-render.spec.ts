import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { renderInfra, RENDER_TARGETS } from './infra-render';
import { REPO_ROOT } from './paths';

/** A scratch copy of what `crm infra render` reads and writes. */
function scratchRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'crm-render-'));
  for (const f of ['README.md', 'gateway/.env.example', 'docker-compose.yml', 'infra/k8s', 'libs/events/src/modules.generated.ts', 'services/contacts/package.json', 'services/sales/package.json']) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(root, f), { recursive: true });
  }
  return root;
}

function setManifest(root: string, module: string, change: (crm: Record<string, any>) => void) {
  const file = join(root, 'services', module, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  change(pkg.crm);
  writeFileSync(file, JSON.stringify(pkg, null, 2));
}

describe('crm infra render', () => {
  it('the checked-in files are what the manifests generate', () => {
    expect(renderInfra(RENDER_TARGETS, true).upToDate.sort()).toEqual(
      ['README.md', 'gateway/.env.example', 'docker-compose.yml', 'infra/k8s/crm.yaml', 'infra/k8s/modules.env', 'libs/events/src/modules.generated.ts'].sort(),
    );
  });

  it('a manifest change makes every derived file stale (--check), and rendering carries it everywhere', () => {
    const root = scratchRepo();
    setManifest(root, 'sales', (crm) => (crm.port = 4012));
    expect(() => renderInfra(RENDER_TARGETS, true, root)).toThrow(
      'generated from the module manifests but out of date: libs/events/src/modules.generated.ts, docker-compose.yml, infra/k8s/modules.env, infra/k8s/crm.yaml, README.md, gateway/.env.example — run `pnpm crm infra render` and commit the result',
    );
    renderInfra(RENDER_TARGETS, false, root);
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('PORT: "4012"');
    expect(compose).toContain('SUBGRAPHS: ${SUBGRAPHS:-contacts=http://contacts:4001/graphql,sales=http://sales:4012/graphql}');
    expect(compose).not.toContain('4002');
    const k8s = readFileSync(join(root, 'infra/k8s/crm.yaml'), 'utf8');
    expect(k8s).toContain('value: "contacts=http://contacts:4001/graphql,sales=http://sales:4012/graphql"');
    expect(k8s).toMatch(/containerPort: 4012/);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('| **sales** | Pipelines');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('| 4012 (metrics 9012) |');
    expect(readFileSync(join(root, 'libs/events/src/modules.generated.ts'), 'utf8')).toContain('"port": 4012');
    expect(readFileSync(join(root, 'gateway/.env.example'), 'utf8')).toContain('\nSUBGRAPHS=contacts=http://127.0.0.1:4001/graphql,sales=http://127.0.0.1:4012/graphql\n');
    expect(() => renderInfra(RENDER_TARGETS, true, root)).not.toThrow();
  });

  it('refuses to render from a bad manifest, naming the file and the field', () => {
    const root = scratchRepo();
    setManifest(root, 'sales', (crm) => (crm.port = 4001));
    expect(() => renderInfra(['compose'], false, root)).toThrow(/services\/sales\/package\.json: port 4001 is already declared by services\/contacts\/package\.json/);
    setManifest(root, 'sales', (crm) => (crm.port = 99999));
    expect(() => renderInfra(['compose'], false, root)).toThrow(/services\/sales\/package\.json: crm\.port: must be at most 60535/);
  });

  it('a module without a manifest is not a module; a new one appears in every generated file', () => {
    const root = scratchRepo();
    mkdirSync(join(root, 'services/billing'), { recursive: true });
    writeFileSync(
      join(root, 'services/billing/package.json'),
      JSON.stringify({
        name: '@crm/billing',
        crm: { name: 'billing', title: 'Billing', description: 'Invoices', service: 'billingService', port: 4006, schema: 'billing', topic: 'crm.billing.events', publishes: 'crm.billing.', consumes: ['contacts'], replicas: ['contacts'], smoke: { query: '{ invoices { id } }' } },
      }),
    );
    renderInfra(RENDER_TARGETS, false, root);
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('  billing:\n    <<: *module\n    profiles: [billing]');
    expect(compose).toContain('BILLING_DB_PASSWORD: "${BILLING_DB_PASSWORD:?');
    expect(readFileSync(join(root, 'infra/k8s/modules.env'), 'utf8')).toContain('[billing]=4006');
    expect(readFileSync(join(root, 'infra/k8s/crm.yaml'), 'utf8')).toContain('billing=http://billing:4006/graphql');
  });

  it('crm.production and crm.routes: compose requires the variables and publishes the port; k8s, README carry them', () => {
    const root = scratchRepo();
    mkdirSync(join(root, 'services/billing'), { recursive: true });
    const production = {
      secrets: ['BILLING_SIGNING_KEY'],
      optionalSecrets: ['BILLING_PSP_TOKEN'],
      settings: { BILLING_PUBLIC_URL: { description: 'public base URL, e.g. https://crm.example.com', smoke: 'http://127.0.0.1:{port}' } },
    };
    writeFileSync(
      join(root, 'services/billing/package.json'),
      JSON.stringify({
        name: '@crm/billing',
        crm: {
          name: 'billing', title: 'Billing', description: 'Invoices', service: 'billingService', port: 4006, schema: 'billing', topic: 'crm.billing.events', publishes: 'crm.billing.',
          routes: [{ path: '/pay/:invoice', description: 'payment page' }],
          config: ['BILLING_SIGNING_KEY', 'BILLING_PSP_TOKEN', 'BILLING_PUBLIC_URL'],
          production,
          smoke: { query: '{ invoices { id } }' },
        },
      }),
    );
    renderInfra(RENDER_TARGETS, false, root);
    const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const compose = parseYaml(composeText, { merge: true });
    const billing = compose.services.billing;
    // Required ones: compose refuses to start without them (${VAR:?…}); the optional one may be empty.
    expect(billing.environment.BILLING_SIGNING_KEY).toBe('${BILLING_SIGNING_KEY:?set BILLING_SIGNING_KEY - see the header of docker-compose.yml}');
    expect(billing.environment.BILLING_PUBLIC_URL).toMatch(/^\$\{BILLING_PUBLIC_URL:\?set BILLING_PUBLIC_URL /);
    expect(billing.environment.BILLING_PSP_TOKEN).toBe('${BILLING_PSP_TOKEN:-}');
    // Public routes: its port is published; a module without routes stays on the compose network.
    expect(billing.ports).toEqual(['4006:4006']);
    expect(compose.services.contacts.ports).toBeUndefined();
    expect(compose.services.contacts.environment.BILLING_SIGNING_KEY).toBeUndefined();
    expect(composeText).toContain('PUBLIC (no JWT');
    expect(composeText).toContain('#   BILLING_PUBLIC_URL (required): public base URL, e.g. https://crm.example.com');
    // k8s (default render): the secret by reference, the setting as a placeholder, the route in the Ingress.
    const docs = parseAllDocuments(readFileSync(join(root, 'infra/k8s/crm.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, any>).filter(Boolean);
    const env = Object.fromEntries(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'billing')!.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.BILLING_SIGNING_KEY).toEqual({ secretKeyRef: { name: 'crm-secrets', key: 'BILLING_SIGNING_KEY' } });
    expect(env.BILLING_PSP_TOKEN).toEqual({ secretKeyRef: { name: 'crm-secrets', key: 'BILLING_PSP_TOKEN', optional: true } });
    expect(env.BILLING_PUBLIC_URL).toMatch(/^<set BILLING_PUBLIC_URL: /);
    const paths = docs.find((d) => d.kind === 'Ingress')!.spec.rules[0].http.paths.map((p: any) => `${p.path} -> ${p.backend.service.name}`);
    expect(paths).toContain('/pay -> billing');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('`BILLING_SIGNING_KEY` (secret), `BILLING_PUBLIC_URL` (public base URL, e.g. https://crm.example.com), `BILLING_PSP_TOKEN` (optional secret) |');
    expect(() => renderInfra(RENDER_TARGETS, true, root)).not.toThrow();
  });
});
