import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedPostgres, type LocalPostgres } from './embedded-postgres';
import { CRM_HOME, REPO_ROOT } from './paths';

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * Runs a command (the test suite) with a real PostgreSQL and Kafka: the ones in DATABASE_URL /
 * KAFKA_BROKERS if set, otherwise an embedded PostgreSQL and the infra/ Kafka broker, started here
 * and stopped afterwards. Exits with the command's exit code.
 */
export async function runWithTestEnv(command: string[]): Promise<number> {
  let pg: LocalPostgres | undefined;
  let startedKafka = false;
  const env = { ...process.env };
  try {
    if (!env.DATABASE_URL) {
      const port = Number(env.CRM_TEST_PG_PORT ?? 54339);
      process.stderr.write(`[test-env] DATABASE_URL not set: starting embedded PostgreSQL on 127.0.0.1:${port}\n`);
      pg = await startEmbeddedPostgres(join(CRM_HOME, 'test-postgres'), port, 'crm_test');
      env.DATABASE_URL = pg.url;
    }
    if (!env.KAFKA_BROKERS) {
      const port = Number(env.KAFKA_PORT ?? 9092);
      if (!(await portOpen('127.0.0.1', port))) {
        process.stderr.write(`[test-env] KAFKA_BROKERS not set: starting the infra/ Kafka broker on 127.0.0.1:${port}\n`);
        const r = spawnSync('bash', [join(REPO_ROOT, 'infra/kafka/start.sh')], { stdio: 'inherit', env });
        if (r.status !== 0) throw new Error('infra/kafka/start.sh failed (needs Java 17+ and Maven, or set KAFKA_BROKERS)');
        startedKafka = true;
      } else {
        process.stderr.write(`[test-env] KAFKA_BROKERS not set: using the broker already on 127.0.0.1:${port}\n`);
      }
      env.KAFKA_BROKERS = `127.0.0.1:${port}`;
    }
    const [cmd, ...args] = command;
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: REPO_ROOT, shell: process.platform === 'win32' });
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await pg?.stop().catch(() => undefined);
    if (startedKafka && existsSync(join(REPO_ROOT, 'infra/kafka/stop.sh'))) spawnSync('bash', [join(REPO_ROOT, 'infra/kafka/stop.sh')], { stdio: 'inherit' });
  }
}
