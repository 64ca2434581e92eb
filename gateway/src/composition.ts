import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { MODULE_PORTS } from '@crm/events';
import { GraphQLError, lexicographicSortSchema, parse, printSchema, type DocumentNode } from 'graphql';

export interface SubgraphSdl {
  name: string;
  url: string;
  sdl: string;
}

/** Local URLs written into the checked-in supergraph (the gateway overrides them from SUBGRAPHS at runtime): the manifests' ports. */
export const DEFAULT_SUBGRAPH_PORTS: Readonly<Record<string, number>> = MODULE_PORTS;

/** Path of a service's printed schema (written by the service's schema printer). */
export function serviceSdlPath(name: string, repoRoot: string): string {
  return join(repoRoot, 'services', name, 'schema.graphql');
}

/** The subgraph SDL of `services/<name>/schema.graphql`, or undefined when the service has not printed one. */
export function loadServiceSdl(name: string, repoRoot: string): string | undefined {
  const file = serviceSdlPath(name, repoRoot);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8');
}

/** Raised when the subgraphs do not compose; `problems` holds one line per composition error. */
export class CompositionError extends Error {
  constructor(
    readonly subgraphs: string[],
    readonly problems: string[],
  ) {
    super(
      `supergraph composition failed for subgraphs [${subgraphs.join(', ')}] with ${problems.length} error(s):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'CompositionError';
  }
}

function subgraphsOf(error: GraphQLError): string[] {
  const names = new Set<string>();
  for (const node of error.nodes ?? []) {
    const subgraph = (node as { subgraph?: unknown }).subgraph;
    if (typeof subgraph === 'string') names.add(subgraph);
  }
  return [...names];
}

function describe(error: GraphQLError): string {
  const code = typeof error.extensions?.code === 'string' ? `[${error.extensions.code}] ` : '';
  const missing = subgraphsOf(error).filter((s) => !error.message.includes(`"${s}"`) && !error.message.includes(`[${s}]`));
  return `${code}${error.message}${missing.length ? ` (in subgraph ${missing.map((s) => `"${s}"`).join(', ')})` : ''}`;
}

/**
 * Composes subgraph SDLs into a supergraph SDL (Federation 2, @apollo/composition).
 * Throws a CompositionError listing every problem, each naming its subgraph(s).
 */
export function composeSupergraph(subgraphs: SubgraphSdl[]): string {
  return composeSchemas(subgraphs).supergraphSdl;
}

/**
 * The supergraph, and the API schema clients see (no federation internals: join__*, link__*,
 * _entities, _service), printed sorted so the checked-in file diffs cleanly.
 */
export function composeSchemas(subgraphs: SubgraphSdl[]): { supergraphSdl: string; apiSdl: string } {
  const names = subgraphs.map((s) => s.name);
  if (subgraphs.length === 0) throw new CompositionError([], ['no subgraphs to compose']);
  const problems: string[] = [];
  const seen = new Set<string>();
  const services: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  for (const s of subgraphs) {
    if (seen.has(s.name)) problems.push(`subgraph "${s.name}" is given twice`);
    seen.add(s.name);
    if (!s.sdl || !s.sdl.trim()) {
      problems.push(`subgraph "${s.name}" has an empty schema`);
      continue;
    }
    try {
      services.push({ name: s.name, url: s.url, typeDefs: parse(s.sdl) });
    } catch (err) {
      problems.push(`subgraph "${s.name}" schema does not parse: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new CompositionError(names, problems);

  const result = composeServices(services);
  if (result.errors) throw new CompositionError(names, result.errors.map(describe));
  const apiSdl = `${printSchema(lexicographicSortSchema(result.schema.toAPISchema().toGraphQLJSSchema()))}\n`;
  return { supergraphSdl: result.supergraphSdl, apiSdl };
}

export interface BuildSupergraphResult {
  /** Absolute path of gateway/supergraph.graphql. */
  file: string;
  /** Services that contributed (had a schema.graphql), in composition order. */
  subgraphs: string[];
  supergraphSdl: string;
  /** True if the file was (check=false) or would be (check=true) rewritten. */
  changed: boolean;
}

/** Every `services/<name>` with a printed schema.graphql, sorted by name. */
export function discoverServiceSdls(repoRoot: string): SubgraphSdl[] {
  const servicesDir = join(repoRoot, 'services');
  if (!existsSync(servicesDir)) return [];
  const names = readdirSync(servicesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const unknownPortBase = 4100;
  const out: SubgraphSdl[] = [];
  let extra = 0;
  for (const name of names) {
    const sdl = loadServiceSdl(name, repoRoot);
    if (sdl === undefined) continue;
    const port = DEFAULT_SUBGRAPH_PORTS[name] ?? unknownPortBase + extra++;
    out.push({ name, url: `http://127.0.0.1:${port}/graphql`, sdl });
  }
  return out;
}

/**
 * Composes every service that has a `services/<name>/schema.graphql` and writes `gateway/supergraph.graphql`.
 * With `check: true` nothing is written; it throws if the checked-in file is missing or differs (CI).
 */
export function buildSupergraphFile(opts: { repoRoot: string; check?: boolean }): BuildSupergraphResult {
  const { repoRoot, check = false } = opts;
  const subgraphs = discoverServiceSdls(repoRoot);
  if (subgraphs.length === 0) {
    throw new Error(`no services/<name>/schema.graphql found under ${repoRoot}; run the services' schema printers first`);
  }
  const { supergraphSdl, apiSdl } = composeSchemas(subgraphs);
  const file = join(repoRoot, 'gateway', 'supergraph.graphql');
  let changed = false;
  // The supergraph (what the gateway runs) and the client-facing API schema (what frontends generate types from).
  for (const [path, content] of [[file, supergraphSdl], [join(repoRoot, 'schema', 'api.graphql'), apiSdl]] as const) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === content) continue;
    changed = true;
    if (check) {
      throw new Error(
        current === undefined
          ? `${path} is missing; run \`pnpm compose\` and commit it`
          : `${path} is out of date with services/*/schema.graphql; run \`pnpm compose\` and commit the result`,
      );
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return { file, subgraphs: subgraphs.map((s) => s.name), supergraphSdl, changed };
}
