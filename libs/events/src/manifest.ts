import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Ports the gateway owns (its listener and its metrics listener): no module may take them. */
const GATEWAY_PORT = 4000;
/** Each process serves Prometheus metrics on PORT + 5000 (libs/platform config): both must be free. */
export const METRICS_PORT_OFFSET = 5000;

const moduleName = z.string().regex(/^[a-z][a-z-]*$/, 'must be lower-case letters and dashes, e.g. "sales"');
const envVar = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_CASE variable name');
/** Placeholders a setting's smoke value may hold (tools/build/smoke.js fills them in). */
export const SMOKE_PLACEHOLDERS = ['{port}', '{freePort}'] as const;
/** Paths the gateway or every process owns: no module route may take them (the ingress sends them to the gateway or nowhere). */
const RESERVED_PATHS = ['/graphql', '/health', '/metrics'];

/**
 * The static part of a route path, what the ingress matches (Prefix): everything before the first
 * `:param` segment, without a trailing slash. "/forms/:key" -> "/forms", "/t/o/" -> "/t/o".
 */
export function routePrefix(path: string): string {
  const segments = path.split('/');
  const at = segments.findIndex((s) => s.startsWith(':'));
  const kept = (at < 0 ? segments : segments.slice(0, at)).join('/').replace(/\/+$/, '');
  return kept === '' ? '/' : kept;
}

/**
 * What production requires of a module beyond the platform's variables. Every kit output uses it:
 * docker-compose.yml refuses to start without the required ones, the Kubernetes render puts secrets in
 * the Secret crm-secrets and settings in the Deployment (from values.env), tools/build/smoke.js boots
 * the production build with them, and the README lists them. Every name must also be in `config`.
 */
const productionSchema = z
  .object({
    /** Secrets production requires (HMAC keys, tokens): no default anywhere; >= 32 characters, no public example. */
    secrets: z.array(envVar).default([]),
    /** Secrets the module runs without (a feature stays off): passed through when set, never required. */
    optionalSecrets: z.array(envVar).default([]),
    /**
     * Non-secret variables production requires, each with a one-line `description` that includes an
     * example (shown in the README, compose header and values.env docs) and the `smoke` value the
     * production smoke test boots with ({port} = the module's HTTP port, {freePort} = an unused local port).
     */
    settings: z
      .record(
        envVar,
        z
          .object({
            description: z.string().min(1).regex(/^[^\n]*$/, 'must be one line'),
            smoke: z
              .string()
              .min(1)
              .refine((v) => (v.match(/\{[^}]*\}/g) ?? []).every((p) => (SMOKE_PLACEHOLDERS as readonly string[]).includes(p)), `may use only the placeholders ${SMOKE_PLACEHOLDERS.join(', ')}`),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

/**
 * What a module declares about itself, once: the `crm` key of `services/<name>/package.json`.
 * Everything that lists modules (events, gateway, CLI, compose, Kubernetes, README) is generated from these.
 */
export const moduleManifestSchema = z
  .object({
    name: moduleName,
    title: z.string().min(1),
    /** One line for the README's module table. */
    description: z.string().min(1),
    /** Export of the package's main that holds the ServiceDefinition (what the CLI loads). */
    service: z.string().regex(/^[A-Za-z_$][\w$]*$/, 'must be the exported name of the ServiceDefinition'),
    port: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1024, 'must be 1024 or above (no privileged ports)')
      .max(65535 - METRICS_PORT_OFFSET, `must be at most ${65535 - METRICS_PORT_OFFSET} (metrics listen on port + ${METRICS_PORT_OFFSET})`),
    /** PostgreSQL schema the module owns (its login crm_<name> owns only this one). */
    schema: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a lower-case SQL identifier'),
    /** The Kafka topic its outbox relay publishes to (before any KAFKA_TOPIC_PREFIX). */
    topic: z.string().regex(/^[a-z][a-z0-9.-]*[a-z0-9]$/, 'must be a Kafka topic name such as crm.sales.events'),
    /** Event types it publishes start with this (its contracts live in libs/events/src/contracts/<name>). */
    publishes: z.string().regex(/^crm\.[a-z-]+\.$/, 'must be an event type prefix such as "crm.sales."'),
    /** Modules whose events it consumes; an absent one is simply waited for. */
    consumes: z.array(moduleName).default([]),
    /** Read models of other modules' data it keeps (e.g. the contact replica of libs/shared-contacts). */
    replicas: z.array(moduleName).default([]),
    /** Public HTTP routes besides /graphql and /health (tracking pixels, inbound webhooks…), exposed by the ingress. */
    routes: z
      .array(
        z
          .object({
            path: z
              .string()
              .startsWith('/')
              .refine((p) => routePrefix(p) !== '/' && !RESERVED_PATHS.some((r) => routePrefix(p) === r || routePrefix(p).startsWith(`${r}/`)), `must start with a static segment other than ${RESERVED_PATHS.join(', ')} (the ingress routes its prefix to the module)`),
            description: z.string().min(1),
          })
          .strict(),
      )
      .default([]),
    /** Its own configuration variables (on top of the platform's), as in its ServiceDefinition.configSchema. */
    config: z.array(envVar).default([]),
    /** What production requires (see productionSchema); absent = nothing beyond the platform's. */
    production: productionSchema.optional(),
    /** What the subset matrix asks through the gateway: one query of its own, and the fields it adds to Contact. */
    smoke: z.object({ query: z.string().min(1), contactFields: z.string().min(1).optional() }).strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (!m.production) return;
    // Each production variable is one of the module's own settings (its configSchema parses it) and has one role.
    const seen = new Map<string, string>();
    const lists: [string, string[]][] = [
      ['secrets', m.production.secrets],
      ['optionalSecrets', m.production.optionalSecrets],
      ['settings', Object.keys(m.production.settings)],
    ];
    for (const [field, names] of lists) {
      names.forEach((name, i) => {
        const path = field === 'settings' ? ['production', field, name] : ['production', field, i];
        if (!m.config.includes(name)) ctx.addIssue({ code: 'custom', path, message: `${name} is not in crm.config (production variables are the module's own settings)` });
        const other = seen.get(name);
        if (other) ctx.addIssue({ code: 'custom', path, message: `${name} is already listed in crm.production.${other}` });
        else seen.set(name, field);
      });
    }
  });

/** The production requirements of a module, empty when it declares none. */
export function productionOf(m: Pick<ModuleManifest, 'production'>): { secrets: string[]; optionalSecrets: string[]; settings: Record<string, { description: string; smoke: string }> } {
  return { secrets: [...(m.production?.secrets ?? [])], optionalSecrets: [...(m.production?.optionalSecrets ?? [])], settings: { ...(m.production?.settings ?? {}) } };
}

export type ModuleManifest = z.infer<typeof moduleManifestSchema>;

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid module manifest(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/**
 * Validates each manifest, then the set: names, ports (and their metrics ports), schemas and topics
 * must be unique, and none may take the gateway's ports. Every problem is reported, each naming the file.
 */
export function validateManifests(entries: { file: string; crm: unknown }[]): ModuleManifest[] {
  const problems: string[] = [];
  const out: { file: string; m: ModuleManifest }[] = [];
  for (const { file, crm } of entries) {
    const r = moduleManifestSchema.safeParse(crm);
    if (!r.success) {
      for (const i of r.error.issues) problems.push(`${file}: crm${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`);
      continue;
    }
    out.push({ file, m: r.data });
  }
  const taken = new Map<string, string>();
  const claim = (what: string, value: string | number, file: string) => {
    const key = `${what}:${value}`;
    const other = taken.get(key);
    if (other) problems.push(`${file}: ${what} ${JSON.stringify(value)} is already declared by ${other}`);
    else taken.set(key, file);
    return !other;
  };
  taken.set(`port:${GATEWAY_PORT}`, 'the gateway');
  taken.set(`port:${GATEWAY_PORT + METRICS_PORT_OFFSET}`, 'the gateway (metrics)');
  for (const { file, m } of out) {
    claim('name', m.name, file);
    // One clash per module is enough: the metrics port of a taken port is taken too.
    if (claim('port', m.port, file)) claim('port', m.port + METRICS_PORT_OFFSET, `${file} (metrics port ${m.port} + ${METRICS_PORT_OFFSET})`);
    claim('schema', m.schema, file);
    claim('topic', m.topic, file);
    // Two modules cannot both own a public path: the ingress would send it to one of them.
    for (const prefix of new Set(m.routes.map((r) => routePrefix(r.path)))) claim('route prefix', prefix, file);
    if (m.consumes.includes(m.name)) problems.push(`${file}: crm.consumes: a module does not consume its own events`);
  }
  if (problems.length) throw new ManifestError(problems);
  return out.map((e) => e.m).sort((a, b) => a.port - b.port || a.name.localeCompare(b.name));
}

/** The manifests of every `services/<dir>/package.json` that has a `crm` key, ordered by port. */
export function readModuleManifests(repoRoot: string): ModuleManifest[] {
  const dir = join(repoRoot, 'services');
  const entries: { file: string; crm: unknown }[] = [];
  for (const d of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
    const file = join('services', d.name, 'package.json');
    if (!d.isDirectory() || !existsSync(join(repoRoot, file))) continue;
    const pkg = JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as { name?: string; crm?: unknown };
    if (pkg.crm === undefined) continue;
    entries.push({ file, crm: pkg.crm });
    const declared = (pkg.crm as { name?: unknown }).name;
    if (declared !== undefined && pkg.name !== `@crm/${String(declared)}`) {
      throw new ManifestError([`${file}: the package is "${pkg.name}" but crm.name is ${JSON.stringify(declared)}; a module's package must be @crm/<name>`]);
    }
  }
  return validateManifests(entries);
}
