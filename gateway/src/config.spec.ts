import { ConfigError } from '@crm/platform/src/config';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '@crm/auth';
import { gatewayConfigSchema, loadGatewayConfig } from './config';

const valid = {
  SUBGRAPHS: 'contacts=http://127.0.0.1:4001/graphql, sales=http://sales:4002/graphql',
  JWT_SECRET: 'jwt-secret-0123456789abcdef',
  GATEWAY_INTERNAL_SECRET: 'internal-secret-0123456789',
};

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway config', () => {
  it('parses a minimal environment with documented defaults', () => {
    const c = loadGatewayConfig(valid);
    expect(c).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      production: false,
      graphiql: true,
      supergraphMode: 'static',
      subgraphs: [
        { name: 'contacts', url: 'http://127.0.0.1:4001/graphql' },
        { name: 'sales', url: 'http://sales:4002/graphql' },
      ],
      auth: { jwtSecret: valid.JWT_SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE },
      internalSecret: valid.GATEWAY_INTERNAL_SECRET,
      limits: { maxDepth: 12, maxAliases: 15, maxCost: 5000 },
    });
  });

  it('exports the zod schema', () => {
    expect(gatewayConfigSchema.safeParse(valid).success).toBe(true);
  });

  it('turns GraphiQL off by default in production, and accepts JWKS_URI instead of JWT_SECRET', () => {
    const c = loadGatewayConfig({ ...valid, JWT_SECRET: undefined, JWKS_URI: 'https://idp.example.com/.well-known/jwks.json', NODE_ENV: 'production' });
    expect(c.graphiql).toBe(false);
    expect(c.auth).toEqual({ jwtSecret: undefined, jwksUri: 'https://idp.example.com/.well-known/jwks.json', issuer: 'crm', audience: 'crm-api' });
    expect(loadGatewayConfig({ ...valid, GRAPHIQL: 'false' }).graphiql).toBe(false);
  });

  it('names SUBGRAPHS when it is missing', () => {
    const { SUBGRAPHS: _omit, ...env } = valid;
    expect(problemsOf(env)).toMatch(/SUBGRAPHS: SUBGRAPHS is required.*name=url.*\(not set\)/);
  });

  it('names both JWT_SECRET and JWKS_URI when neither is set, alongside other problems', () => {
    const message = problemsOf({ SUBGRAPHS: valid.SUBGRAPHS });
    expect(message).toMatch(/JWT_SECRET: neither JWT_SECRET nor JWKS_URI is set/);
    expect(message).toMatch(/GATEWAY_INTERNAL_SECRET/);
  });

  it('reports every malformed SUBGRAPHS entry', () => {
    const message = problemsOf({ ...valid, SUBGRAPHS: 'contacts=http://a/graphql,Sales=http://b/graphql,loyalty,support=ftp://c,contacts=http://d' });
    expect(message).toMatch(/subgraph name "Sales"/);
    expect(message).toMatch(/"loyalty" is not name=url/);
    expect(message).toMatch(/"support" URL must be http/);
    expect(message).toMatch(/"contacts" is listed twice/);
  });

  it('accepts a module name beyond the known five', () => {
    expect(loadGatewayConfig({ ...valid, SUBGRAPHS: 'field-service=http://127.0.0.1:4010/graphql' }).subgraphs[0].name).toBe('field-service');
  });

  it('rejects bad values naming the variable', () => {
    expect(problemsOf({ ...valid, PORT: 'eighty' })).toMatch(/PORT/);
    expect(problemsOf({ ...valid, GRAPHIQL: 'maybe' })).toMatch(/GRAPHIQL: expected true or false, got "maybe"/);
    expect(problemsOf({ ...valid, MAX_DEPTH: '0' })).toMatch(/MAX_DEPTH/);
    expect(problemsOf({ ...valid, SUPERGRAPH_MODE: 'magic' })).toMatch(/SUPERGRAPH_MODE/);
    expect(problemsOf({ ...valid, JWT_SECRET: 'short' })).toMatch(/JWT_SECRET must be at least 16 characters/);
    expect(problemsOf({ ...valid, JWT_SECRET: undefined, JWKS_URI: 'not a url' })).toMatch(/JWKS_URI must be an http\(s\) URL/);
    expect(problemsOf({ ...valid, JWT_SECRET: undefined, JWKS_URI: 'ftp://idp/jwks' })).toMatch(/JWKS_URI must be an http\(s\) URL/);
  });

  it('refuses development-only settings in production', () => {
    expect(problemsOf({ ...valid, NODE_ENV: 'production', SUPERGRAPH_MODE: 'introspect' })).toMatch(/SUPERGRAPH_MODE: introspect is for local development only/);
    expect(problemsOf({ ...valid, NODE_ENV: 'production', GRAPHIQL: 'true' })).toMatch(/GRAPHIQL: GraphiQL .* cannot be enabled in production/);
  });
});
