import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompositionError, buildSupergraphFile, composeSupergraph, loadServiceSdl } from './composition';
import { CONFLICTING_SDL, CONTACTS_SDL, SALES_SDL } from './testing/fake-subgraphs';

describe('composeSupergraph', () => {
  it('composes two subgraphs into a supergraph that joins Contact', () => {
    const sdl = composeSupergraph([
      { name: 'contacts', url: 'http://127.0.0.1:4001/graphql', sdl: CONTACTS_SDL },
      { name: 'sales', url: 'http://127.0.0.1:4002/graphql', sdl: SALES_SDL },
    ]);
    expect(sdl).toMatch(/CONTACTS @join__graph\(name: "contacts", url: "http:\/\/127.0.0.1:4001\/graphql"\)/);
    expect(sdl).toMatch(/SALES @join__graph\(name: "sales"/);
    expect(sdl).toMatch(/type Contact\s+@join__type\(graph: CONTACTS, key: "id"\)\s+@join__type\(graph: SALES, key: "id"\)/);
  });

  it('throws a CompositionError naming the field and both subgraphs on conflicting types', () => {
    let error: unknown;
    try {
      composeSupergraph([
        { name: 'contacts', url: 'http://127.0.0.1:4001/graphql', sdl: CONTACTS_SDL },
        { name: 'sales', url: 'http://127.0.0.1:4002/graphql', sdl: CONFLICTING_SDL },
      ]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CompositionError);
    const e = error as CompositionError;
    expect(e.subgraphs).toEqual(['contacts', 'sales']);
    expect(e.problems.length).toBeGreaterThanOrEqual(1);
    expect(e.message).toMatch(/supergraph composition failed for subgraphs \[contacts, sales\]/);
    expect(e.message).toMatch(/\[FIELD_TYPE_MISMATCH\].*"Contact\.name".*"String!".*"contacts".*"Int!".*"sales"/);
  });

  it('reports an SDL that does not parse, naming the subgraph', () => {
    expect(() => composeSupergraph([{ name: 'support', url: 'http://x/graphql', sdl: 'type Query {' }])).toThrow(/subgraph "support" schema does not parse/);
  });
});

describe('loadServiceSdl and buildSupergraphFile', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'crm-gateway-'));
    mkdirSync(join(root, 'gateway'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const writeService = (name: string, sdl?: string) => {
    mkdirSync(join(root, 'services', name), { recursive: true });
    if (sdl !== undefined) writeFileSync(join(root, 'services', name, 'schema.graphql'), sdl);
  };

  it('returns undefined for a service that has not printed its schema', () => {
    writeService('marketing');
    expect(loadServiceSdl('marketing', root)).toBeUndefined();
    expect(loadServiceSdl('nonexistent', root)).toBeUndefined();
    writeService('contacts', CONTACTS_SDL);
    expect(loadServiceSdl('contacts', root)).toBe(CONTACTS_SDL);
  });

  it('composes every service with a schema, writes the file, and check mode detects drift', () => {
    writeService('contacts', CONTACTS_SDL);
    writeService('sales', SALES_SDL);
    writeService('marketing'); // no schema yet: skipped

    expect(() => buildSupergraphFile({ repoRoot: root, check: true })).toThrow(/supergraph\.graphql is missing/);

    const written = buildSupergraphFile({ repoRoot: root });
    expect(written.subgraphs).toEqual(['contacts', 'sales']);
    expect(written.changed).toBe(true);
    const file = readFileSync(join(root, 'gateway', 'supergraph.graphql'), 'utf8');
    expect(file).toBe(written.supergraphSdl);
    expect(file).toContain('url: "http://127.0.0.1:4001/graphql"');
    expect(file).toContain('url: "http://127.0.0.1:4002/graphql"');

    expect(buildSupergraphFile({ repoRoot: root, check: true }).changed).toBe(false);
    expect(buildSupergraphFile({ repoRoot: root }).changed).toBe(false);

    writeService('sales', SALES_SDL.replace('currency: String!', 'currency: String!\n  note: String'));
    expect(() => buildSupergraphFile({ repoRoot: root, check: true })).toThrow(/out of date/);
    expect(readFileSync(join(root, 'gateway', 'supergraph.graphql'), 'utf8')).toBe(file); // check never writes
  });

  it('fails clearly when no service has a schema or they do not compose', () => {
    expect(() => buildSupergraphFile({ repoRoot: root })).toThrow(/no services\/<name>\/schema\.graphql found/);
    writeService('contacts', CONTACTS_SDL);
    writeService('sales', CONFLICTING_SDL);
    expect(() => buildSupergraphFile({ repoRoot: root })).toThrow(/Contact\.name/);
  });
});
