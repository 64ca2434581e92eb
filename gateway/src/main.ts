import { resolve } from 'node:path';
import { signUserToken } from '@crm/auth';
import { ConfigError } from '@crm/platform/src/config';
import { createLogger } from '@crm/platform/src/logger';
import { loadServiceSdl } from './composition';
import { loadGatewayConfig, type GatewayConfig } from './config';
import { startGateway } from './gateway';

const repoRoot = resolve(__dirname, '..', '..');

function loadConfigOrExit(): GatewayConfig {
  try {
    return loadGatewayConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** Token prefilled in GraphiQL: DEV_TOKEN, or (development with an HS256 secret) one minted for DEV_TENANT_ID. */
function devTokenFor(config: GatewayConfig): string | undefined {
  if (!config.graphiql || config.production) return undefined;
  if (config.devToken) return config.devToken;
  if (!config.auth.jwtSecret) return undefined;
  return signUserToken({ tenantId: config.devTenantId, userId: 'dev-user', roles: ['admin'] }, config.auth.jwtSecret, {
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger('gateway', config.logLevel);
  const gateway = await startGateway({
    port: config.port,
    host: config.host,
    metricsPort: config.metrics.port,
    metricsHost: config.metrics.host,
    subgraphs: config.subgraphs.map((s) => ({ ...s, sdl: loadServiceSdl(s.name, repoRoot) })),
    auth: config.auth,
    internalSecret: config.internalSecret,
    production: config.production,
    graphiql: config.graphiql,
    devToken: devTokenFor(config),
    limits: config.limits,
    supergraphMode: config.supergraphMode,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    dedupeSubgraphQueries: config.dedupeSubgraphQueries,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
    subgraphHealthCacheMs: config.subgraphHealthCacheMs,
    logger,
  });
  logger.info({ url: gateway.url, metricsUrl: gateway.metricsUrl }, `gateway listening on ${gateway.url}`);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutdown requested');
    gateway.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`gateway failed to start: ${(err as Error)?.message ?? err}\n`);
  process.exit(1);
});
