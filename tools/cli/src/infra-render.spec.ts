import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
