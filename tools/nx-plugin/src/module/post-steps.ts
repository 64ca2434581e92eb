import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ModuleNames } from './options';

/**
 * After the files are written: link the new package (pnpm install, offline first), then regenerate
 * everything derived from the manifests and the schemas — `crm infra render` (libs/events'
 * module list, compose, Kubernetes, README table, env), `crm events docs` (catalogue + frozen
 * schema of the new contract), `crm compose` (the module's schema.graphql, the supergraph, the API).
 * Each runs in a fresh process: it must load the module list just rendered.
 */
export function runPostSteps(root: string, n: ModuleNames, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const crm = join(root, 'tools', 'cli', 'bin', 'crm.js');
  const steps: [string, string, string[]][] = [
    // A new workspace package changes the lockfile: say so explicitly, since pnpm freezes it by default when CI is set.
    ['pnpm install', 'pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=silent']],
    ['crm infra render', process.execPath, [crm, 'infra', 'render']],
    ['crm events docs', process.execPath, [crm, 'events', 'docs']],
    ['crm compose', process.execPath, [crm, 'compose']],
  ];
  for (const [what, cmd, args] of steps) {
    log(`${n.name}: ${what}`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NX_DAEMON: 'false' } });
    if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}); the module's files are written — fix the cause and run it again`);
  }
}
