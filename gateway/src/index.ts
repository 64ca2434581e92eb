export { startGateway, type StartGatewayOptions, type RunningGateway, type GatewaySubgraph, type GatewayLimits, type GatewayContext } from './gateway';
export { composeSupergraph, buildSupergraphFile, loadServiceSdl, discoverServiceSdls, CompositionError, DEFAULT_SUBGRAPH_PORTS, type SubgraphSdl, type BuildSupergraphResult } from './composition';
export { DEFAULT_QUERY_LIMITS, gatewayConfigSchema, loadGatewayConfig, KNOWN_SUBGRAPHS, type GatewayConfig, type GatewayEnv, type SubgraphEndpoint } from './config';
export { TokenVerifier, type AuthOptions } from './auth';
export { createRateLimiter, clientIpKey, DEFAULT_RATE_LIMITS, type RateLimiterOptions } from './rate-limit';
export { GatewayMetrics } from './metrics';
export { signedContextOf } from './subgraph-data-source';
