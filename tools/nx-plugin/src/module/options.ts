import { validateManifests, ManifestError, type ModuleManifest } from '@crm/events';

/** What `crm new-module` / `nx g @crm/nx-plugin:module` accept. */
export interface ModuleGeneratorSchema {
  name: string;
  port?: number;
  title?: string;
  aggregate?: string;
  description?: string;
  skipPostSteps?: boolean;
}

/** Every spelling of the module and of its sample aggregate the templates use. */
export interface ModuleNames {
  name: string;
  /** camelCase, e.g. loyalty-points → loyaltyPoints (field names, import aliases). */
  camel: string;
  /** PascalCase, e.g. LoyaltyPoints (classes). */
  Class: string;
  /** SQL schema, e.g. loyalty_points. */
  schema: string;
  title: string;
  description: string;
  port: number;
  topic: string;
  agg: string;
  /** Its article: "a" or "an" (an item, a segment). */
  a: 'a' | 'an';
  Agg: string;
  aggs: string;
  Aggs: string;
  /** The Contact field the module adds (prefixed with the module: two modules may both have items). */
  contactField: string;
  /** Migration timestamp (TypeORM orders migrations by it). */
  timestamp: number;
}

export class ModuleOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot create the module:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ModuleOptionsError';
  }
}

/** Names that are not modules but would look like one (workspace packages, the gateway's name). */
const RESERVED = new Set(['gateway', 'platform', 'events', 'testing', 'cli', 'e2e', 'auth', 'shared', 'kernel', 'crm', 'module', 'service']);

const pascal = (s: string) => s.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
const plural = (s: string) => (/[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(s) ? `${s}es` : `${s}s`);

/** The next port after the highest declared one whose metrics port (port + 5000) is free too. */
export function nextFreePort(existing: readonly ModuleManifest[]): number {
  const taken = new Set(existing.flatMap((m) => [m.port, m.port + 5000]).concat([4000, 9000]));
  let port = Math.max(4000, ...existing.map((m) => m.port)) + 1;
  while (taken.has(port) || taken.has(port + 5000)) port++;
  return port;
}

/**
 * Checks the request against the workspace and says every reason it is refused: a bad or existing
 * name, a port (or its metrics port) another manifest declares, a sample aggregate whose GraphQL
 * names the composed API already has. The manifest rules are those of libs/events (validateManifests).
 */
export function resolveModuleOptions(
  o: ModuleGeneratorSchema,
  ws: { manifests: { file: string; crm: ModuleManifest }[]; serviceDirs: string[]; apiSdl: string; now?: number },
): ModuleNames {
  const problems: string[] = [];
  const name = String(o.name ?? '').trim();
  if (!/^[a-z][a-z-]*[a-z]$/.test(name) || name.includes('--')) {
    problems.push(`name "${name}": must be lower-case letters with single dashes inside, e.g. "marketing" or "loyalty-points"`);
  } else if (RESERVED.has(name)) {
    problems.push(`name "${name}": reserved (a workspace package or the gateway has it)`);
  } else if (ws.serviceDirs.includes(name) || ws.manifests.some((m) => m.crm.name === name)) {
    problems.push(`name "${name}": services/${name} already exists`);
  }
  const agg = String(o.aggregate ?? 'item').trim();
  if (!/^[a-z]+$/.test(agg)) problems.push(`aggregate "${agg}": must be one lower-case word, e.g. "segment"`);
  if (problems.length) throw new ModuleOptionsError(problems);

  const existing = ws.manifests.map((m) => m.crm);
  const port = o.port ?? nextFreePort(existing);
  const camel = pascal(name).replace(/^./, (c) => c.toLowerCase());
  const Agg = pascal(agg);
  const aggs = plural(agg);
  const crm = manifestOf(name, o.title?.trim() || pascal(name).replace(/([a-z])([A-Z])/g, '$1 $2'), o.description?.trim() || `${pascal(name)} (generated shell: replace this line)`, port, aggs, `${camel}${pascal(aggs)}`);
  try {
    validateManifests([...ws.manifests, { file: `services/${name}/package.json`, crm }]);
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    problems.push(...e.problems.map((p) => (p.startsWith(`services/${name}/`) ? p.replace(/^services\/[^:]+: (?:crm\.)?/, '') : p)));
  }
  for (const [what, re] of [
    [`type ${Agg}`, new RegExp(`^(type|interface|enum|input) ${Agg}\\b`, 'm')],
    [`Query.${aggs}`, new RegExp(`^\\s+${aggs}\\(`, 'm')],
  ] as const) {
    if (re.test(ws.apiSdl)) problems.push(`aggregate "${agg}": the composed API (schema/api.graphql) already has ${what}; pass --aggregate <the module's first aggregate>`);
  }
  if (problems.length) throw new ModuleOptionsError(problems);
  return {
    name, camel, Class: pascal(name), schema: crm.schema, title: crm.title, description: crm.description, port, topic: crm.topic,
    agg, a: /^[aeiou]/.test(agg) ? 'an' : 'a', Agg, aggs, Aggs: pascal(aggs), contactField: `${camel}${pascal(aggs)}`, timestamp: ws.now ?? Date.now(),
  };
}

/** The module's `crm` manifest (services/<name>/package.json). */
export function manifestOf(name: string, title: string, description: string, port: number, aggs: string, contactField: string): ModuleManifest {
  const Class = pascal(name);
  return {
    name, title, description,
    service: `${Class.replace(/^./, (c) => c.toLowerCase())}Service`,
    port,
    schema: name.replace(/-/g, '_'),
    topic: `crm.${name}.events`,
    publishes: `crm.${name}.`,
    consumes: ['contacts'],
    replicas: ['contacts'],
    routes: [],
    config: [],
    smoke: { query: `{ ${aggs}(first: 1) { totalCount } }`, contactFields: `${contactField}(first: 1) { totalCount }` },
  };
}
