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
      limits: { maxDepth: 12, maxAliases: 15, maxCost: 30000 },
    });
  });

  it('exports the zod schema', () => {
    expect(gatewayConfigSchema.safeParse(valid).success).toBe(true);
  });

  it('turns GraphiQL off by default in production, and accepts JWKS_URI instead of JWT_SECRET', () => {
    const c = loadGatewayConfig({
      ...valid,
      JWT_SECRET: undefined,
      JWKS_URI: 'https://idp.example.com/.well-known/jwks.json',
      GATEWAY_INTERNAL_SECRET: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0',
      NODE_ENV: 'production',
    });
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

  it('puts metrics on a separate port: PORT + 5000 unless METRICS_PORT says otherwise, never PORT itself', () => {
    expect(loadGatewayConfig(valid).metrics).toEqual({ port: 9000, host: '127.0.0.1' });
    expect(loadGatewayConfig({ ...valid, PORT: '0' }).metrics.port).toBe(0);
    expect(loadGatewayConfig({ ...valid, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(problemsOf({ ...valid, METRICS_PORT: '4000' })).toMatch(/METRICS_PORT: must differ from PORT \(4000\)/);
    expect(problemsOf({ ...valid, PORT: '65000' })).toMatch(/METRICS_PORT: PORT \+ 5000 \(70000\) is not a valid port/);
    expect(problemsOf({ ...valid, METRICS_PORT: 'nine' })).toMatch(/METRICS_PORT/);
  });

  it('refuses development-only settings in production', () => {
    expect(problemsOf({ ...valid, NODE_ENV: 'production', SUPERGRAPH_MODE: 'introspect' })).toMatch(/SUPERGRAPH_MODE: introspect is for local development only/);
    expect(problemsOf({ ...valid, NODE_ENV: 'production', GRAPHIQL: 'true' })).toMatch(/GRAPHIQL: GraphiQL .* cannot be enabled in production/);
  });

  describe('secrets in production', () => {
    const strong = { JWT_SECRET: 'k3Qx9vN2pL7wR4tY8uI1oP6aS5dF0gHjZ', GATEWAY_INTERNAL_SECRET: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0' };
    const prod = { ...valid, ...strong, NODE_ENV: 'production' };

    it('accepts long random secrets', () => {
      expect(loadGatewayConfig(prod).production).toBe(true);
    });

    it.each([
      ['the old docker-compose default', 'dev-jwt-secret-change-me'],
      ['gateway/.env.example', 'change-me-to-a-long-random-secret'],
      ['the test fixture', 'test-jwt-secret-0123456789abcdef'],
      ['anything saying change me', 'please-CHANGE-ME-before-going-live-0123456789'],
    ])('refuses a publicly known JWT_SECRET (%s), naming the variable', (_where, value) => {
      expect(problemsOf({ ...prod, JWT_SECRET: value })).toMatch(/JWT_SECRET: JWT_SECRET is a publicly known example value and is refused in production.*openssl rand/);
    });

    it('refuses a publicly known GATEWAY_INTERNAL_SECRET, naming the variable', () => {
      for (const value of ['dev-internal-secret-change-me', 'change-me-internal-secret-32chars', 'change-me-to-another-long-random-secret']) {
        expect(problemsOf({ ...prod, GATEWAY_INTERNAL_SECRET: value })).toMatch(/GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET is a publicly known example value/);
      }
    });

    it('refuses secrets shorter than 256 bits', () => {
      const message = problemsOf({ ...prod, JWT_SECRET: 'a1b2c3d4e5f6g7h8i9j0', GATEWAY_INTERNAL_SECRET: 'q1w2e3r4t5y6u7i8o9p0' });
      expect(message).toMatch(/JWT_SECRET: JWT_SECRET must be at least 32 characters in production/);
      expect(message).toMatch(/GATEWAY_INTERNAL_SECRET: GATEWAY_INTERNAL_SECRET must be at least 32 characters in production/);
    });

    it('still lets development run with the example values (pnpm start generates its own)', () => {
      expect(loadGatewayConfig({ ...valid, JWT_SECRET: 'change-me-to-a-long-random-secret' }).auth.jwtSecret).toBe('change-me-to-a-long-random-secret');
    });
  });

  it('reads rate limits and proxy trust with sensible defaults', () => {
    expect(loadGatewayConfig(valid)).toMatchObject({ rateLimits: { perUser: 300, perIp: 1200, windowMs: 60_000 }, trustProxy: false });
    const c = loadGatewayConfig({ ...valid, RATE_LIMIT_PER_USER: '50', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_WINDOW_MS: '1000', TRUST_PROXY: '1' });
    expect(c).toMatchObject({ rateLimits: { perUser: 50, perIp: 0, windowMs: 1000 }, trustProxy: 1 });
    expect(loadGatewayConfig({ ...valid, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(problemsOf({ ...valid, RATE_LIMIT_PER_USER: 'lots' })).toMatch(/RATE_LIMIT_PER_USER/);
  });
});
