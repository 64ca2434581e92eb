import { join } from 'node:path';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@crm/gateway';
import { createLogger, InProcessEventBus, signUserToken, startService, type RunningService } from '@crm/platform';
import { startEmbeddedPostgres, type LocalPostgres } from './embedded-postgres';
import { selectModules } from './modules';
import { CRM_HOME } from './paths';
import { initModuleDatabases } from './db-init';
import { releaseMemoryWhenIdle } from './idle-memory';
import { localSecrets, modulePassword } from './secrets';

export interface StartOptions {
  modules?: string;
  tenant: string;
  gatewayPort: number;
}

/**
 * Runs the chosen modules and the gateway in this process. Embedded defaults: a real PostgreSQL
 * from embedded-postgres under .crm/ and the in-process event bus; DATABASE_URL / KAFKA_BROKERS
 * switch to external ones.
 *
 * Each module runs as its own least-privilege login (`crm db init`), never as the admin: a module
 * with `<MODULE>_DATABASE_URL` set uses it; the others get their login created (or updated) here
 * through the admin connection — the embedded server's superuser, or DATABASE_URL (which must then
 * be allowed to create roles) — with passwords derived from .crm/secrets.json.
 */
export async function start(opts: StartOptions): Promise<{ stop(): Promise<void>; gatewayUrl: string; token: string }> {
  const defs = selectModules(opts.modules);
  if (!defs.length) throw new Error('no modules installed');
  const secrets = localSecrets();
  // The gateway's settings (query and rate limits, dedup, timeouts, trust proxy, JWT issuer and
  // audience) read and checked as the standalone gateway reads them, so .env means the same in both;
  // what `crm start` decides itself (the subgraphs, the secrets) is filled in. Checked before anything starts.
  const g = loadGatewayConfig({ ...process.env, SUBGRAPHS: defs.map((d) => `${d.name}=http://127.0.0.1:${d.defaultPort}/graphql`).join(','), JWT_SECRET: secrets.JWT_SECRET, JWKS_URI: undefined, GATEWAY_INTERNAL_SECRET: secrets.GATEWAY_INTERNAL_SECRET });
  const log = createLogger('crm', process.env.LOG_LEVEL ?? 'info', process.stdout.isTTY);
  let pg: LocalPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.CRM_PG_PORT ?? 54329);
    log.info({ port, dir: join(CRM_HOME, 'postgres') }, 'starting embedded PostgreSQL');
    pg = await startEmbeddedPostgres(join(CRM_HOME, 'postgres'), port, 'crm', (message) => log.warn(message));
    databaseUrl = pg.url;
  }
  const sharedBus = process.env.KAFKA_BROKERS ? undefined : new InProcessEventBus();
  const services: RunningService[] = [];
  let gateway: RunningGateway | undefined;
  const idleMemory = releaseMemoryWhenIdle(log);
  const stop = async () => {
    idleMemory.stop();
    await gateway?.stop();
    // Relays first, while every consumer still runs: on the in-process bus a flush completes only
    // once the events are handled, so nothing is marked published that nobody applied.
    await Promise.all(services.map((s) => s.relay?.stop()));
    for (const s of services.reverse()) await s.stop();
    await sharedBus?.disconnect();
    // Last: the database runs in its own process group (a Ctrl-C does not reach it), so everything
    // above has had it to flush and close cleanly.
    await pg?.stop();
  };
  try {
    const own = (name: string) => process.env[`${name.toUpperCase()}_DATABASE_URL`];
    const toInit = defs.filter((d) => !own(d.name)).map((d) => d.name);
    const logins = new Map<string, string>();
    if (toInit.length) {
      const passwords = Object.fromEntries(toInit.map((m) => [m, modulePassword(secrets, m)]));
      const made = await initModuleDatabases(databaseUrl!, toInit.join(','), passwords).catch((err: Error) => {
        throw new Error(
          `could not create the module database logins (${err.message}): DATABASE_URL must be an admin that may create roles, or set ${toInit.map((m) => `${m.toUpperCase()}_DATABASE_URL`).join(' / ')} to each module's own login (crm db init)`,
        );
      });
      for (const r of made) logins.set(r.module, r.url);
    }
    for (const def of defs) {
      const portVar = process.env[`${def.name.toUpperCase()}_PORT`];
      // One process, several listeners: each service's metrics port follows its own PORT (PORT + 5000)
      // unless <NAME>_METRICS_PORT is set; a single METRICS_PORT would make them collide.
      const metricsPortVar = process.env[`${def.name.toUpperCase()}_METRICS_PORT`];
      services.push(
        await startService(def, {
          bus: sharedBus,
          logger: log.child({ service: def.name }),
          env: {
            ...process.env,
            DATABASE_URL: own(def.name) ?? logins.get(def.name)!,
            GATEWAY_INTERNAL_SECRET: secrets.GATEWAY_INTERNAL_SECRET,
            PORT: portVar ?? String(def.defaultPort),
            METRICS_PORT: metricsPortVar,
            DB_SCHEMA: def.name,
            // Every module of `crm start` answers and works in this one process (a PROCESS_ROLE exported for a deployment does not apply).
            PROCESS_ROLE: 'all',
          },
        }),
      );
    }
    const token = signUserToken({ tenantId: opts.tenant, userId: 'dev', roles: ['admin'] }, secrets.JWT_SECRET, { expiresIn: '30d' });
    gateway = await startGateway({
      port: opts.gatewayPort,
      host: g.host,
      subgraphs: services.map((s) => ({ name: s.name, url: s.url, sdl: s.sdl() })),
      auth: { jwtSecret: secrets.JWT_SECRET, issuer: g.auth.issuer, audience: g.auth.audience },
      internalSecret: secrets.GATEWAY_INTERNAL_SECRET,
      production: g.production,
      graphiql: g.graphiql,
      devToken: token,
      limits: g.limits,
      rateLimits: g.rateLimits,
      dedupeSubgraphQueries: g.dedupeSubgraphQueries,
      subgraphTimeoutMs: g.subgraphTimeoutMs,
      subgraphHealthCacheMs: g.subgraphHealthCacheMs,
      trustProxy: g.trustProxy,
      supergraphMode: 'static',
      logger: log.child({ service: 'gateway' }),
    });
    return { stop, gatewayUrl: gateway.url, token };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
