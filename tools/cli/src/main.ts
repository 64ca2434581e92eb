import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { asyncApiYaml, freezeNewSchemas, frozenSchemaProblems } from '@crm/events';
import { DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, signUserToken, ConfigError } from '@crm/platform';
import { REPO_ROOT } from './paths';
import { localSecrets } from './secrets';
import { explainError } from './errors';

const program = new Command('crm').description('Modular CRM — run, administer and integrate').showHelpAfterError();

program
  .command('start')
  .description('Run the modules and the gateway (embedded PostgreSQL + in-process bus unless DATABASE_URL / KAFKA_BROKERS are set)')
  .option('--modules <list>', 'comma-separated modules to run (default: all installed)')
  .option('--tenant <id>', 'tenant of the printed development token', 'demo')
  .option('--port <n>', 'gateway port', (v) => Number(v), Number(process.env.GATEWAY_PORT ?? 4000))
  .action(async (o) => {
    const { start } = await import('./start');
    const running = await start({ modules: o.modules, tenant: o.tenant, gatewayPort: o.port });
    process.stdout.write(
      `\nCRM is running.\n  GraphQL gateway: ${running.gatewayUrl}\n  GraphiQL:        ${running.gatewayUrl.replace(/graphql$/, 'graphiql')}\n` +
        `  Development token (tenant "${o.tenant}", role admin):\n\n${running.token}\n\n` +
        `  curl ${running.gatewayUrl} -H 'content-type: application/json' -H "authorization: Bearer <token>" -d '{"query":"{ contacts { totalCount } }"}'\n\nCtrl-C stops everything.\n`,
    );
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await running.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
  });

program
  .command('migrate')
  .description('Run pending database migrations and exit (a deploy job; then start services with RUN_MIGRATIONS=false). Needs DATABASE_URL')
  .option('--modules <list>', 'comma-separated modules to migrate (default: all installed)')
  .action(async (o) => {
    const { migrateModules } = await import('./migrate');
    await migrateModules(o.modules, process.env, (r) =>
      process.stdout.write(`${r.module} (schema ${r.schema}): ${r.applied.length ? `applied ${r.applied.join(', ')}` : 'up to date'}\n`),
    );
  });

const db = program.command('db').description('Database roles and schemas');
db.command('init')
  .description(
    "Create (idempotently) each module's least-privilege login crm_<module>, its app role and its schema, as an admin. " +
      'Passwords from <MODULE>_DB_PASSWORD; a new login without one gets a generated password, printed once. Prints each module\'s DATABASE_URL',
  )
  .option('--modules <list>', 'comma-separated modules (default: all installed)')
  .option('--admin-url <url>', 'admin PostgreSQL URL (a role that may create roles)', process.env.DATABASE_ADMIN_URL ?? process.env.DATABASE_URL)
  .action(async (o) => {
    if (!o.adminUrl) {
      process.stderr.write('DATABASE_ADMIN_URL: set it (or DATABASE_URL, or --admin-url) to an admin PostgreSQL URL\n');
      process.exit(1);
    }
    const { initModuleDatabases } = await import('./db-init');
    for (const r of await initModuleDatabases(o.adminUrl, o.modules)) {
      const url = new URL(r.url);
      const shown = r.generated || !url.password ? r.url : (url.password = '****', url.toString());
      process.stdout.write(`${r.module.toUpperCase()}_DATABASE_URL=${shown}${r.generated ? '   # generated password: store it now, it is not shown again' : ''}\n`);
    }
  });

program
  .command('token')
  .description('Mint a user token for the current configuration (JWT_SECRET or the local .crm/secrets.json)')
  .requiredOption('--tenant <id>', 'tenant id')
  .option('--role <role...>', 'role(s)', ['admin'])
  .option('--user <id>', 'user id', 'dev')
  .option('--expires <span>', 'lifetime, e.g. 12h, 30d', '12h')
  .action((o) => {
    const token = signUserToken({ tenantId: o.tenant, userId: o.user, roles: o.role }, localSecrets().JWT_SECRET, {
      issuer: process.env.JWT_ISSUER ?? DEFAULT_JWT_ISSUER,
      audience: process.env.JWT_AUDIENCE ?? DEFAULT_JWT_AUDIENCE,
      expiresIn: o.expires,
    });
    process.stdout.write(`${token}\n`);
  });

program
  .command('import')
  .description('Import data: `crm import contacts FILE.csv` (bad lines are reported with their line number and skipped)')
  .argument('<kind>', 'what to import (contacts, companies, deals)')
  .argument('<file>', 'CSV file with a header row (firstName, lastName, email, … or aliases such as "First Name", "E-mail"; address.*, cf.<custom field>); , ; | or tab; UTF-8 or Windows-1252')
  .option('--tenant <id>', 'tenant to import into', 'demo')
  .option('--gateway <url>', 'gateway GraphQL URL', process.env.CRM_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql')
  .option('--token <jwt>', 'bearer token (default: minted from the local secrets for --tenant)')
  .option('--country <cc>', 'country for phone numbers without +code, e.g. GB')
  .option('--map <pairs>', 'read columns under other names: "Header=column,…" (column "" ignores it), e.g. "Punkte=cf.score,Notiz="')
  .option('--dry-run', 'check every row and report what would happen; write nothing', false)
  .option('--encoding <name>', 'file encoding (default: detected — BOM, else UTF-8 when valid, else windows-1252)')
  .option('--chunk <rows>', 'rows per request', (v) => Number(v), 5000)
  .action(async (kind, file, o) => {
    const { importContactsFile, parseColumnMap, IMPORT_KINDS } = await import('./import-contacts');
    if (!IMPORT_KINDS.includes(kind)) throw new Error(`cannot import "${kind}" (only: ${IMPORT_KINDS.join(', ')})`);
    const token = o.token ?? signUserToken({ tenantId: o.tenant, userId: 'cli-import', roles: ['admin'] }, localSecrets().JWT_SECRET);
    const r = await importContactsFile(file, { kind, gatewayUrl: o.gateway, token, chunkRows: o.chunk, country: o.country, map: parseColumnMap(o.map), dryRun: o.dryRun, encoding: o.encoding });
    const created = o.dryRun ? 'would be created' : 'created';
    process.stdout.write(`\n${o.dryRun ? 'dry run (nothing written): ' : ''}${r.rows} rows: ${r.created} ${created}, ${r.skipped} already imported, ${r.failed} failed\n`);
    for (const e of r.errors.slice(0, 50)) process.stdout.write(`  line ${e.row}: ${e.message}\n`);
    if (r.errors.length > 50) process.stdout.write(`  … and ${r.errors.length - 50} more\n`);
  });

program
  .command('export')
  .description('Export data as CSV, every matching row and column (the columns `crm import` reads): `crm export contacts -o contacts.csv`')
  .argument('<kind>', 'what to export (contacts, companies, deals)')
  .option('-o, --out <file>', 'file to write (default: stdout, without progress bar)')
  .option('--filter <json>', 'the list filter of that kind as JSON, e.g. contacts \'{"tags":["vip"]}\', companies \'{"search":"acme"}\', deals \'{"status":"WON"}\'')
  .option('--tenant <id>', 'tenant to export', 'demo')
  .option('--gateway <url>', 'gateway GraphQL URL', process.env.CRM_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql')
  .option('--token <jwt>', 'bearer token (default: minted from the local secrets for --tenant)')
  .option('--page <rows>', 'rows per request (at most 5000)', (v) => Number(v), 2000)
  .action(async (kind, o) => {
    const { exportContactsFile, EXPORT_KINDS } = await import('./export-contacts');
    if (!EXPORT_KINDS.includes(kind)) throw new Error(`cannot export "${kind}" (only: ${EXPORT_KINDS.join(', ')})`);
    let filter: Record<string, unknown> | undefined;
    try {
      filter = o.filter ? (JSON.parse(o.filter) as Record<string, unknown>) : undefined;
    } catch {
      throw new Error(`--filter is not JSON: ${o.filter}`);
    }
    const token = o.token ?? signUserToken({ tenantId: o.tenant, userId: 'cli-export', roles: ['admin'] }, localSecrets().JWT_SECRET);
    const r = await exportContactsFile(o.out ?? null, { kind, gatewayUrl: o.gateway, token, filter, pageSize: o.page });
    if (o.out) process.stdout.write(`\n${r.rows} ${kind} written to ${o.out}\n`);
  });

const events = program.command('events').description('Event catalogue and topics');
events
  .command('tail')
  .description('Pretty-print events from Kafka (every module topic that exists, with KAFKA_TOPIC_PREFIX; or the one named)')
  .argument('[topic]', 'topic, e.g. crm.contacts.events')
  .option('--brokers <list>', 'Kafka brokers', process.env.KAFKA_BROKERS)
  .option('--from-beginning', 'replay the topic from its first retained event', false)
  .option('--json', 'print raw CloudEvents JSON, one per line', false)
  .option('--prefix <prefix>', 'topic prefix of the environment (KAFKA_TOPIC_PREFIX)', process.env.KAFKA_TOPIC_PREFIX ?? '')
  .action(async (topic, o) => {
    if (!o.brokers) throw new Error('events tail reads Kafka: set KAFKA_BROKERS or pass --brokers (the embedded in-process bus is not visible to other processes)');
    const { tailEvents } = await import('./events-tail');
    await tailEvents(topic, { brokers: o.brokers, fromBeginning: o.fromBeginning, json: o.json, prefix: o.prefix });
  });
const dlt = events.command('dlt').description('Dead letters: records a consumer could not apply, moved to <topic>.dlt with the error (needs KAFKA_BROKERS)');
const brokersOf = (o: { brokers?: string }) => {
  if (!o.brokers) throw new Error('dead letters live on Kafka: set KAFKA_BROKERS or pass --brokers');
  return o.brokers.split(',');
};
dlt
  .command('list')
  .description('List the dead letters of a topic: position, consumer group, attempts, error, event')
  .argument('<topic>', 'e.g. crm.contacts.events (or its .dlt)')
  .option('--consumer <name>', 'only those of this consumer (e.g. sales.contact-replica)')
  .option('--brokers <list>', 'Kafka brokers', process.env.KAFKA_BROKERS)
  .option('--json', 'one JSON object per line', false)
  .action(async (topic, o) => {
    const { readDeadLetters } = await import('@crm/platform');
    const letters = await readDeadLetters(topic, { brokers: brokersOf(o), consumer: o.consumer });
    for (const d of letters) {
      if (o.json) process.stdout.write(`${JSON.stringify(d)}\n`);
      else process.stdout.write(`${d.position}  ${d.failedAt ?? '?'}  consumer=${d.consumer ?? '?'}  attempts=${d.attempts ?? '?'}  ${d.eventType ?? '(not an event)'} ${d.eventId ?? ''}\n  error: ${d.error ?? '?'}\n`);
    }
    if (!o.json) process.stdout.write(`${letters.length} dead letter(s)\n`);
  });
dlt
  .command('replay')
  .description('Put dead letters back on their original topic once the cause is fixed (consumers that applied them skip them)')
  .argument('<topic>', 'e.g. crm.contacts.events (or its .dlt)')
  .option('--consumer <name>', 'only those of this consumer')
  .option('--position <p@o...>', 'only these (partition@offset, from `dlt list`)')
  .option('--brokers <list>', 'Kafka brokers', process.env.KAFKA_BROKERS)
  .action(async (topic, o) => {
    const { replayDeadLetters } = await import('@crm/platform');
    const replayed = await replayDeadLetters(topic, { brokers: brokersOf(o), consumer: o.consumer, positions: o.position });
    for (const d of replayed) process.stdout.write(`replayed ${d.position} → ${d.originalTopic}  ${d.eventType ?? ''} ${d.eventId ?? ''}\n`);
    process.stdout.write(`${replayed.length} dead letter(s) replayed\n`);
  });
events
  .command('docs')
  .description('Regenerate docs/events/asyncapi.yaml from the contracts in libs/events, and freeze the schema of new event types')
  .option('--check', 'fail if the file is out of date instead of writing it', false)
  .action(async (o) => {
    const file = join(REPO_ROOT, 'docs/events/asyncapi.yaml');
    const yaml = asyncApiYaml();
    if (o.check) {
      const { readFileSync, existsSync } = await import('node:fs');
      if (!existsSync(file) || readFileSync(file, 'utf8') !== yaml) throw new Error(`${file} is out of date: run \`pnpm events:docs\` and commit it`);
      const problems = frozenSchemaProblems();
      if (problems.length) throw new Error(`published event schemas:\n  ${problems.join('\n  ')}`);
      process.stdout.write('event catalogue is up to date\n');
      return;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, yaml);
    process.stdout.write(`wrote ${file}\n`);
    // New types are frozen the first time the catalogue is generated; a frozen one is only rewritten to record an additive change (new optional properties).
    for (const type of freezeNewSchemas()) process.stdout.write(`froze the schema of ${type}\n`);
  });

const outbox = program.command('outbox').description('Outbox rows the relay parked (events the broker refused as too large); needs DATABASE_URL');
const outboxTarget = (c: Command) =>
  c
    .option('--service <name>', 'service(s), comma-separated (default: every module with an outbox)')
    .option('--schema <schema>', 'database schema, when the service runs with DB_SCHEMA')
    .option('--database-url <url>', 'PostgreSQL URL', process.env.DATABASE_URL);
outboxTarget(outbox.command('failed').description('List parked rows: seq, type, key, tenant, size, error, later events held behind each')).action(async (o) => {
  const { outboxFailed } = await import('./outbox');
  await outboxFailed(o);
});
outboxTarget(outbox.command('retry').description('Give parked rows back to the relay (after raising the broker limit); still too large = parked again'))
  .argument('[seq...]', 'seq of the parked rows')
  .option('--all', 'every parked row', false)
  .action(async (seqs: string[], o) => {
    const { outboxRetry } = await import('./outbox');
    await outboxRetry(seqs, o);
  });
outboxTarget(outbox.command('discard').description('Delete parked rows for good (never published); their aggregate\'s held events go out'))
  .argument('<seq...>', 'seq of the parked rows')
  .action(async (seqs: string[], o) => {
    const { outboxDiscard } = await import('./outbox');
    await outboxDiscard(seqs, o);
  });

program
  .command('compose')
  .description('Print each service schema and compose gateway/supergraph.graphql (--check: fail on drift or composition errors)')
  .option('--check', 'verify only', false)
  .action(async (o) => {
    const { composeAll } = await import('./compose');
    const names = await composeAll(o.check);
    process.stdout.write(`supergraph ${o.check ? 'checked' : 'composed'}: ${names.join(', ')}\n`);
  });

program
  .command('new-module')
  .description('Create a module (services/<name>) from the kernel\'s shape with a sample aggregate, and register it everywhere the manifests reach')
  .argument('<name>', 'lower-case letters and dashes, e.g. marketing')
  .option('--port <n>', 'its port (default: the next free one)', (v) => Number(v))
  .option('--title <title>', 'its title (README module table)')
  .option('--description <text>', 'one line for the README module table')
  .option('--aggregate <name>', 'the sample aggregate, named after the module\'s first real one', 'item')
  .option('--skip-post-steps', 'only write the files (no pnpm install, infra render, events docs, compose)', false)
  .action(async (name, o) => {
    const { newModule } = await import('./new-module');
    process.exitCode = newModule({ name, port: o.port, title: o.title, description: o.description, aggregate: o.aggregate, skipPostSteps: o.skipPostSteps });
  });

const infra = program.command('infra').description('Deployment files generated from the module manifests (services/<name>/package.json, key "crm")');
infra
  .command('render')
  .description('Regenerate what lists the modules: libs/events module list, docker-compose.yml, infra/k8s (modules.env, crm.yaml), the README module table, gateway/.env.example SUBGRAPHS')
  .argument('[targets...]', 'modules | compose | k8s | readme | env (default: all)')
  .option('--check', 'fail if a generated file is out of date instead of writing it', false)
  .action(async (targets: string[], o) => {
    const { RENDER_TARGETS, renderInfra } = await import('./infra-render');
    const unknown = targets.filter((t) => !(RENDER_TARGETS as readonly string[]).includes(t));
    if (unknown.length) throw new Error(`unknown render target(s): ${unknown.join(', ')} (targets: ${RENDER_TARGETS.join(', ')})`);
    const r = renderInfra(targets.length ? (targets as typeof RENDER_TARGETS[number][]) : RENDER_TARGETS, o.check);
    for (const f of r.written) process.stdout.write(`wrote ${f}\n`);
    process.stdout.write(o.check ? `generated files are up to date: ${r.upToDate.join(', ')}\n` : `${r.upToDate.length} file(s) already up to date\n`);
  });

program
  .command('test-env')
  .description('Run a command with a real PostgreSQL and Kafka (from the environment, or embedded/infra started here)')
  .argument('<command...>')
  .action(async (command: string[]) => {
    const { runWithTestEnv } = await import('./test-env');
    process.exit(await runWithTestEnv(command));
  });

program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`crm: ${err instanceof ConfigError ? err.message : explainError(err as Error)}\n`);
  process.exit(1);
});
