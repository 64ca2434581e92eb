import pino from 'pino';
import { startGateway, type RunningGateway, type StartGatewayOptions } from '@crm/gateway';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER } from '@crm/auth';
import type { RunningService } from '@crm/platform';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from '@crm/testing';

/** The real gateway in front of the given running services (static composition of exactly them). */
export function gatewayFor(services: RunningService[], overrides: Partial<StartGatewayOptions> = {}): Promise<RunningGateway> {
  return startGateway({
    port: 0,
    host: '127.0.0.1',
    subgraphs: services.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl() })),
    auth: { jwtSecret: TEST_JWT_SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE },
    internalSecret: TEST_INTERNAL_SECRET,
    production: false,
    graphiql: false,
    limits: { maxDepth: 8, maxAliases: 10, maxCost: 10000 },
    supergraphMode: 'static',
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }),
    ...overrides,
  });
}
