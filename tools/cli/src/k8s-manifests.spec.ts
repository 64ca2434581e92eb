/**
 * The Kubernetes manifests, checked as a cluster would read them — there is no kubectl or cluster
 * here, so this parses every rendered document and checks what would otherwise fail only at deploy
 * time: probes on paths and ports the apps really serve, resources, who gets which secret, and that
 * a module's migration Job and Deployment agree.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { METRICS_PORT_OFFSET, productionOf, readModuleManifests, routePrefix } from '@crm/events';
import { baseServiceConfig, PUBLIC_EXAMPLE_SECRETS } from '@crm/platform/src/config';
import { productionVars, RENDER_SH_SETTINGS } from './infra-render';
import { REPO_ROOT } from './paths';

type Doc = Record<string, any>;

const manifests = readModuleManifests(REPO_ROOT);
const GATEWAY_PORT = 4000;
const dbKey = (m: string) => `${m.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;

function parse(text: string): Doc[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors.map(String)).toEqual([]);
  return docs.map((d) => d.toJS() as Doc | null).filter((d): d is Doc => d !== null);
}

/** Each module's production settings (crm.production.settings) as an operator sets them: render.sh refuses empty ones. */
const SETTINGS = Object.fromEntries(
  manifests.flatMap((m) => Object.entries(productionOf(m).settings).map(([v, s]) => [v, s.smoke.replaceAll('{port}', String(m.port)).replaceAll('{freePort}', '2525')])),
);

function render(env: Record<string, string> = {}, settings: Record<string, string> = SETTINGS): { code: number | null; out: string; err: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !RENDER_SH_SETTINGS.has(k) && !productionVars(manifests).has(k) && !k.endsWith('_DATABASE_URL')));
  const r = spawnSync('bash', [join(REPO_ROOT, 'infra/k8s/render.sh')], { encoding: 'utf8', env: { ...clean, ...settings, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The HTTP paths an app really serves, read from its route declarations. */
function servedPaths(): { module: Set<string>; gateway: Set<string> } {
  const controller = readFileSync(join(REPO_ROOT, 'libs/platform/src/http/health.controller.ts'), 'utf8');
  const routes = readFileSync(join(REPO_ROOT, 'gateway/src/routes.ts'), 'utf8');
  return {
    module: new Set([...controller.matchAll(/@Get\('([^']+)'\)/g)].map((m) => `/${m[1]}`)),
    gateway: new Set([...routes.matchAll(/app\.get\('([^']+)'/g)].map((m) => m[1])),
  };
}

const find = (docs: Doc[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const container = (workload: Doc) => workload.spec.template.spec.containers[0];
const envOf = (c: Doc): Record<string, any> => Object.fromEntries((c.env ?? []).map((e: Doc) => [e.name, e.value ?? e.valueFrom]));
const secretKey = (c: Doc, name: string) => {
  const ref = envOf(c)[name]?.secretKeyRef;
  return ref ? `${ref.name}/${ref.key}` : undefined;
};

/** CPU in millicores, memory in bytes (the suffixes the templates use). */
function quantity(q: string | number): number {
  const s = String(q);
  const units: Record<string, number> = { m: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  return m[2] ? Number(m[1]) * units[m[2]]! : Number(m[1]) * 1000;
}

/** Everything a rendered set of documents must satisfy for the given modules. */
function checkManifests(docs: Doc[], modules: string[]) {
  const paths = servedPaths();
  const apps = [...modules, 'gateway'];
  const config = find(docs, 'ConfigMap', 'crm-config')!;
  expect(config.data.NODE_ENV).toBe('production');
  // Probes and Services reach the pod IP: the apps must not listen on loopback only.
  expect(config.data).toEqual(expect.objectContaining({ HOST: '0.0.0.0', METRICS_HOST: '0.0.0.0' }));

  for (const d of docs) expect({ kind: d.kind, name: d.metadata.name, ns: d.metadata.namespace ?? d.metadata.name }).toEqual(expect.objectContaining({ ns: 'crm' }));
  expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(apps);
  expect(docs.filter((d) => d.kind === 'Job').map((d) => d.spec.template.spec.containers[0].image)).toEqual(modules.map((m) => `ghcr.io/example/crm/${m}:latest`));

  for (const app of apps) {
    const isGateway = app === 'gateway';
    const manifest = manifests.find((m) => m.name === app);
    const port = isGateway ? GATEWAY_PORT : manifest!.port;
    const dep = find(docs, 'Deployment', app)!;
    const c = container(dep);
    const env = envOf(c);
    const podLabels = dep.spec.template.metadata.labels;

    // Ports: the probes' named port is the app's PORT; metrics on PORT + offset, not in the Service.
    const ports = Object.fromEntries(c.ports.map((p: Doc) => [p.name, p.containerPort]));
    expect({ app, ports, PORT: env.PORT, METRICS_PORT: env.METRICS_PORT }).toEqual({ app, ports: { http: port, metrics: port + METRICS_PORT_OFFSET }, PORT: String(port), METRICS_PORT: String(port + METRICS_PORT_OFFSET) });

    // The three probes, on paths the app serves, on its http port.
    const served = isGateway ? paths.gateway : paths.module;
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const get = c[probe]?.httpGet;
      expect({ app, probe, port: get?.port, served: served.has(String(get?.path).split('?')[0]!) }).toEqual({ app, probe, port: 'http', served: true });
    }
    // Liveness never depends on the database or the broker (an outage must not restart every pod).
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.readinessProbe.httpGet.path).toBe(isGateway ? '/health/ready?subgraphs=optional' : '/health/ready');

    // Requests and limits for CPU and memory, requests within limits.
    for (const r of ['cpu', 'memory']) {
      const { requests, limits } = c.resources;
      expect({ app, r, ok: quantity(requests[r]) > 0 && quantity(requests[r]) <= quantity(limits[r]) }).toEqual({ app, r, ok: true });
    }

    // Secrets: the gateway alone verifies user tokens; everyone shares the internal secret.
    expect({ app, jwt: secretKey(c, 'JWT_SECRET') }).toEqual({ app, jwt: isGateway ? 'crm-secrets/JWT_SECRET' : undefined });
    expect(secretKey(c, 'GATEWAY_INTERNAL_SECRET')).toBe('crm-secrets/GATEWAY_INTERNAL_SECRET');
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'crm-config' } }]);

    // Service → http; PodDisruptionBudget and HorizontalPodAutoscaler aimed at this Deployment, which
    // leaves the replica count to the autoscaler.
    const svc = find(docs, 'Service', app)!;
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(svc.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    const pdb = find(docs, 'PodDisruptionBudget', app)!;
    expect(pdb.apiVersion).toBe('policy/v1');
    // An unready pod (database or broker down: all of them) never blocks a drain.
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    expect(podLabels).toEqual(expect.objectContaining(pdb.spec.selector.matchLabels));
    const hpa = find(docs, 'HorizontalPodAutoscaler', app)!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    expect(dep.spec.replicas).toBeUndefined();

    if (isGateway) {
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.SUBGRAPHS).toBe(modules.map((m) => `${m}=http://${m}:${manifests.find((x) => x.name === m)!.port}/graphql`).join(','));
      continue;
    }

    // A module never migrates at start; its Job does, with the same image, login and schema.
    expect(baseServiceConfig.shape.RUN_MIGRATIONS.parse(env.RUN_MIGRATIONS)).toBe(false);
    expect(secretKey(c, 'DATABASE_URL')).toBe(`crm-secrets/${dbKey(app)}`);
    expect(env.DB_SCHEMA).toBe(manifest!.schema);
    const job = docs.find((d) => d.kind === 'Job' && d.metadata.labels['app.kubernetes.io/name'] === `${app}-migrate`)!;
    expect(job.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const jc = container(job);
    expect(jc.image).toBe(c.image);
    expect(jc.command).toEqual(['node', 'dist/migrate.js']);
    expect(readFileSync(join(REPO_ROOT, 'services', app, 'src/migrate.ts'), 'utf8')).toMatch(/runMigrateCommand\(/);
    const jenv = envOf(jc);
    expect(jenv.NODE_ENV).toBe('production');
    expect(secretKey(jc, 'DATABASE_URL')).toBe(secretKey(c, 'DATABASE_URL'));
    expect(jenv.DB_SCHEMA).toBe(env.DB_SCHEMA);
    expect(secretKey(jc, 'JWT_SECRET')).toBeUndefined();
    expect(jc.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
    expect(jc.resources.limits).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));

    // Its production variables (crm.production): secrets by reference (optional ones may be absent from
    // crm-secrets), settings as values; the migration Job needs none of them (it reads DATABASE_URL only).
    const prod = productionOf(manifest!);
    for (const v of prod.secrets) expect({ app, v, ref: env[v] }).toEqual({ app, v, ref: { secretKeyRef: { name: 'crm-secrets', key: v } } });
    for (const v of prod.optionalSecrets) expect({ app, v, ref: env[v] }).toEqual({ app, v, ref: { secretKeyRef: { name: 'crm-secrets', key: v, optional: true } } });
    for (const v of Object.keys(prod.settings)) expect({ app, v, set: typeof env[v] === 'string' && env[v] !== '' }).toEqual({ app, v, set: true });
    for (const v of productionVars([manifest!])) expect(jenv[v]).toBeUndefined();
  }

  // One public Ingress: /graphql to the gateway, each enabled module's routes (static prefix) to it.
  const ingress = find(docs, 'Ingress', 'crm-public')!;
  expect(ingress.apiVersion).toBe('networking.k8s.io/v1');
  const routed = ingress.spec.rules.flatMap((r: Doc) => r.http.paths.map((p: Doc) => `${p.pathType} ${p.path} -> ${p.backend.service.name}:${p.backend.service.port.name}`));
  const wanted = [
    'Prefix /graphql -> gateway:http',
    ...modules.flatMap((m) => [...new Set(manifests.find((x) => x.name === m)!.routes.map((r) => routePrefix(r.path)))].map((p) => `Prefix ${p} -> ${m}:http`)),
  ];
  expect(routed).toEqual(wanted);
}

describe('infra/k8s manifests', () => {
  it('the checked-in crm.yaml: every module and the gateway, probes, resources, secrets, Jobs', () => {
    const docs = parse(readFileSync(join(REPO_ROOT, 'infra/k8s/crm.yaml'), 'utf8'));
    checkManifests(
      docs,
      manifests.map((m) => m.name),
    );
    expect(docs.find((d) => d.kind === 'Secret')).toBeUndefined();
    const kinds = docs.map((d) => d.kind);
    expect(new Set(kinds)).toEqual(new Set(['Namespace', 'ConfigMap', 'Job', 'Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress']));
    // No operator values here: each module setting is a placeholder the module refuses at boot (not a URL).
    const marketing = envOf(container(find(docs, 'Deployment', 'marketing')!));
    expect(marketing.MARKETING_SMTP_URL).toMatch(/^<set MARKETING_SMTP_URL: /);
    expect(() => new URL(marketing.MARKETING_PUBLIC_URL)).toThrow();
  });

  it('refuses to render an enabled module whose production setting is empty, naming it; a disabled one needs none', () => {
    const { MARKETING_SMTP_URL: _smtp, ...rest } = SETTINGS;
    expect(render({}, rest)).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/^render\.sh: module marketing needs MARKETING_SMTP_URL \(SMTP relay/) }));
    expect(render({ MARKETING_PUBLIC_URL: '' })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/module marketing needs MARKETING_PUBLIC_URL/) }));
    expect(render({ MODULES: 'contacts sales' }, {}).code).toBe(0);
    const docs = parse(render({ MARKETING_PUBLIC_URL: 'https://crm.example.com' }).out);
    expect(envOf(container(find(docs, 'Deployment', 'marketing')!)).MARKETING_PUBLIC_URL).toBe('https://crm.example.com');
  });

  it('the Ingress takes its class and host from values, and can be left out', () => {
    const ingress = (env: Record<string, string>) => find(parse(render({ MODULES: 'marketing', ...env }).out), 'Ingress', 'crm-public');
    expect(ingress({})!.spec.ingressClassName).toBeUndefined();
    expect(ingress({})!.spec.rules[0].host).toBeUndefined();
    const set = ingress({ INGRESS_CLASS_NAME: 'nginx', INGRESS_HOST: 'crm.example.com' })!;
    expect(set.spec.ingressClassName).toBe('nginx');
    expect(set.spec.rules[0].host).toBe('crm.example.com');
    expect(set.spec.rules[0].http.paths.map((p: Doc) => p.path)).toEqual(['/graphql', '/forms', '/t/o', '/t/c', '/u', '/webhooks/email', '/webhooks/sms']);
    expect(ingress({ INGRESS: 'false' })).toBeUndefined();
    expect(parse(render({ PART: 'migrate' }).out).some((d) => d.kind === 'Ingress')).toBe(false);
  });

  it.each(manifests.map((m) => m.name))('a subset (only %s) renders that module, its Job and a gateway composing only it', (module) => {
    const r = render({ MODULES: module });
    expect(r).toEqual(expect.objectContaining({ code: 0, err: '' }));
    checkManifests(parse(r.out), [module]);
  });

  it('PART=migrate prints what the Jobs need and the Jobs; PART=apps everything else, and no Job', () => {
    const migrate = parse(render({ PART: 'migrate' }).out);
    expect(migrate.map((d) => d.kind)).toEqual(['Namespace', 'ConfigMap', ...manifests.map(() => 'Job')]);
    const apps = parse(render({ PART: 'apps' }).out);
    expect(apps.some((d) => d.kind === 'Job' || d.kind === 'ConfigMap')).toBe(false);
    expect(apps.filter((d) => d.kind === 'Deployment')).toHaveLength(manifests.length + 1);
    expect(render({ PART: 'jobs' })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/PART must be all, migrate or apps/) }));
  });

  it('a new image tag is a new Job (a Job is immutable); its name stays a valid label', () => {
    const docs = parse(render({ IMAGE_TAG: '1.2.3_RC1', MODULES: 'sales' }).out);
    const job = docs.find((d) => d.kind === 'Job')!;
    expect(job.metadata.name).toBe('sales-migrate-1-2-3-rc1');
    expect(container(job).image).toBe('ghcr.io/example/crm/sales:1.2.3_RC1');
    expect(container(find(docs, 'Deployment', 'sales')!).image).toBe('ghcr.io/example/crm/sales:1.2.3_RC1');
  });

  it('MODULE_WORKER_REPLICAS: each module answers requests in its Deployment (PROCESS_ROLE=api) and works in a <module>-worker Deployment of that many pods', () => {
    const without = parse(render({ MODULES: 'contacts sales' }).out);
    expect(without.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['contacts', 'sales', 'gateway']);
    for (const m of ['contacts', 'sales']) expect(envOf(container(find(without, 'Deployment', m)!)).PROCESS_ROLE).toBeUndefined();

    const docs = parse(render({ MODULES: 'contacts sales', MODULE_WORKER_REPLICAS: '2' }).out);
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['contacts', 'contacts-worker', 'sales', 'sales-worker', 'gateway']);
    for (const m of ['contacts', 'sales']) {
      const api = find(docs, 'Deployment', m)!;
      const worker = find(docs, 'Deployment', `${m}-worker`)!;
      const [a, w] = [container(api), container(worker)];
      expect(envOf(a).PROCESS_ROLE).toBe('api');
      expect(envOf(w).PROCESS_ROLE).toBe('worker');
      // The same image, login, schema and secrets; only the role differs.
      const { PROCESS_ROLE: _a, ...apiEnv } = envOf(a);
      const { PROCESS_ROLE: _w, ...workerEnv } = envOf(w);
      expect(workerEnv).toEqual(apiEnv);
      expect(w.image).toBe(a.image);
      expect(w.resources).toEqual(a.resources);
      expect({ live: w.livenessProbe.httpGet.path, ready: w.readinessProbe.httpGet.path }).toEqual({ live: '/health/live', ready: '/health/ready' });
      // A fixed count, no traffic, no autoscaler; still one disruption at a time.
      expect(worker.spec.replicas).toBe(2);
      expect(worker.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('worker');
      const selecting = (kind: string) => docs.filter((d) => d.kind === kind && (d.spec.selector?.['app.kubernetes.io/name'] ?? d.spec.selector?.matchLabels?.['app.kubernetes.io/name'] ?? d.spec.scaleTargetRef?.name) === `${m}-worker`).length;
      expect({ services: selecting('Service'), hpas: selecting('HorizontalPodAutoscaler'), pdbs: selecting('PodDisruptionBudget') }).toEqual({ services: 0, hpas: 0, pdbs: 1 });
      // An unready worker (broker or database down) never blocks a drain either.
      expect(find(docs, 'PodDisruptionBudget', `${m}-worker`)!.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
      expect(find(docs, 'Service', m)!.spec.selector).toEqual(api.spec.selector.matchLabels);
      expect(api.spec.replicas).toBeUndefined();
    }
    for (const bad of ['two', '08', '-1']) expect(render({ MODULE_WORKER_REPLICAS: bad })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/^render\.sh: MODULE_WORKER_REPLICAS must be a whole number/) }));
  });

  it('resources and replica bounds come from values (environment overrides)', () => {
    const docs = parse(render({ MODULES: 'sales', GATEWAY_CPU_REQUEST: '500m', MODULE_MEMORY_LIMIT: '1Gi', GATEWAY_MAX_REPLICAS: '12', MODULE_MIN_REPLICAS: '3' }).out);
    expect(container(find(docs, 'Deployment', 'gateway')!).resources.requests.cpu).toBe('500m');
    expect(container(find(docs, 'Deployment', 'sales')!).resources.limits.memory).toBe('1Gi');
    expect(find(docs, 'HorizontalPodAutoscaler', 'gateway')!.spec.maxReplicas).toBe(12);
    expect(find(docs, 'HorizontalPodAutoscaler', 'sales')!.spec.minReplicas).toBe(3);
  });

  describe('RENDER_SECRET=true refuses what the production gateway refuses (one list: libs/platform)', () => {
    const strong = () => `${Math.random().toString(36).slice(2)}${'x'.repeat(40)}`;
    const base = (): Record<string, string> => ({
      RENDER_SECRET: 'true',
      JWT_SECRET: strong(),
      GATEWAY_INTERNAL_SECRET: strong(),
      ...Object.fromEntries(manifests.map((m) => [dbKey(m.name), `postgres://crm_${m.name}:${strong()}@db:5432/crm`])),
      ...Object.fromEntries(manifests.flatMap((m) => productionOf(m).secrets.map((v) => [v, strong()]))),
    });

    it('refuses a missing, short or publicly known module secret (crm.production.secrets)', () => {
      const { MARKETING_TRACKING_SECRET: _t, ...missing } = base();
      expect(render(missing)).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/^render\.sh: RENDER_SECRET=true needs MARKETING_TRACKING_SECRET /) }));
      expect(render({ ...base(), MARKETING_TRACKING_SECRET: 'x'.repeat(31) })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/MARKETING_TRACKING_SECRET must be at least 32 characters/) }));
      expect(render({ ...base(), MARKETING_TRACKING_SECRET: 'dev-marketing-tracking-secret-change-me' })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/MARKETING_TRACKING_SECRET is a publicly known example value/) }));
      expect(render({ ...base(), MARKETING_WEBHOOK_SECRET: 'please-change-me-0123456789abcdef0123' })).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/MARKETING_WEBHOOK_SECRET is a publicly known example value/) }));
      // A module that is not enabled needs none of its secrets.
      expect(render({ ...missing, MODULES: 'contacts sales' }).code).toBe(0);
    });

    it('puts a module secret in the Secret, and an optional one only when set', () => {
      const b = base();
      const without = find(parse(render(b).out), 'Secret', 'crm-secrets')!.stringData;
      expect(without.MARKETING_TRACKING_SECRET).toBe(b.MARKETING_TRACKING_SECRET);
      expect(Object.keys(without)).not.toContain('MARKETING_SMS_TOKEN');
      const withToken = find(parse(render({ ...b, MARKETING_SMS_TOKEN: 'sms-token-1' }).out), 'Secret', 'crm-secrets')!.stringData;
      expect(withToken.MARKETING_SMS_TOKEN).toBe('sms-token-1');
    });

    it.each([...PUBLIC_EXAMPLE_SECRETS, 'please-REPLACE-ME-before-going-live-0123456789'])('refuses %s', (value) => {
      const r = render({ ...base(), GATEWAY_INTERNAL_SECRET: value });
      expect(r).toEqual(expect.objectContaining({ code: 1, err: expect.stringMatching(/GATEWAY_INTERNAL_SECRET is a publicly known example value/) }));
    });

    it('renders a Secret with every key the pods reference', () => {
      const r = render(base());
      expect(r.code).toBe(0);
      const docs = parse(r.out);
      const keys = Object.keys(find(docs, 'Secret', 'crm-secrets')!.stringData).sort();
      // Every key a pod needs (optional ones excepted: unset, they are left out) and nothing else.
      const referenced = new Set<string>();
      const optional = new Set<string>();
      for (const w of docs.filter((d) => d.kind === 'Deployment' || d.kind === 'Job'))
        for (const e of container(w).env ?? []) if (e.valueFrom?.secretKeyRef) (e.valueFrom.secretKeyRef.optional ? optional : referenced).add(e.valueFrom.secretKeyRef.key);
      expect(keys).toEqual([...referenced].sort());
      expect(optional.size).toBeGreaterThan(0);
    });
  });
});
