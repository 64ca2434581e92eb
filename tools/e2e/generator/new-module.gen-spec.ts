import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MODULE_MANIFESTS } from '@crm/events';

/**
 * Issue 8 §1: `crm new-module` makes a module that compiles, boots, composes and passes its tests
 * before its first line of domain code. Proven in a throwaway git worktree of this checkout (HEAD plus
 * uncommitted changes to tracked files), never in the repository itself: generate `probe`, then
 * typecheck, lint, run its own tests, its gateway smoke test and the subset matrix (which picks it up
 * from its manifest: every subset of the installed modules and the probe).
 */
const REPO = join(__dirname, '..', '..', '..');
const copy = join(mkdtempSync(join(tmpdir(), 'crm-new-module-')), 'ws');
const timings: string[] = [];

function sh(cmd: string, args: string[], cwd = copy, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', ...env }, maxBuffer: 64 * 1024 * 1024 });
  timings.push(`${[cmd === process.execPath ? 'node' : cmd, ...args].join(' ').slice(0, 80)}: ${Date.now() - started} ms`);
  return r;
}
const ok = (r: SpawnSyncReturns<string>) => {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stdout}\n${r.stderr}`.slice(-8000));
  return r.stdout;
};
const crm = (...args: string[]) => sh(process.execPath, [join(copy, 'tools/cli/bin/crm.js'), ...args]);
const runJest = (config: string, ...patterns: string[]) =>
  ok(sh('pnpm', ['exec', 'jest', '-c', config, '--ci', ...patterns], copy, { NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning' }));

beforeAll(() => {
  // Tracked changes not yet committed go along (git stash create writes a commit, touching nothing).
  // It prints nothing when there is nothing to take; git 2.39 then exits 1 (silently) in a tree whose
  // files were touched but not changed (the production build's hard links do that in CI).
  const stash = sh('git', ['stash', 'create'], REPO);
  if (stash.status !== 0 && (stash.stdout.trim() || stash.stderr.trim())) ok(stash);
  const snapshot = stash.stdout.trim() || 'HEAD';
  ok(sh('git', ['worktree', 'add', '--detach', copy, snapshot], REPO));
  ok(sh('pnpm', ['install', '--offline', '--frozen-lockfile', '--reporter=silent']));
});

afterAll(() => {
  sh('git', ['worktree', 'remove', '--force', copy], REPO);
  rmSync(dirname(copy), { recursive: true, force: true });
  process.stderr.write(`new-module proof:\n  ${timings.join('\n  ')}\n`);
});

describe('crm new-module probe, in a throwaway worktree', () => {
  it('refuses a bad name, an existing module and a port in use, saying why, and writes nothing', () => {
    for (const [args, why] of [
      [['Probe_1'], /name "Probe_1": must be lower-case letters with single dashes inside/],
      [['sales'], /name "sales": services\/sales already exists/],
      [['probe', '--port', '4001'], /port 4001 is already declared by services\/contacts\/package\.json/],
    ] as const) {
      const r = crm('new-module', ...args);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(why) });
    }
    expect(ok(sh('git', ['status', '--porcelain']))).toBe('');
  });

  it('generates the module, registers it and regenerates everything derived (install, infra render, events docs, compose)', () => {
    const out = ok(crm('new-module', 'probe'));
    process.stderr.write(`${out}\n`);
    // The next free port after the installed modules'.
    const port = Math.max(...MODULE_MANIFESTS.map((m) => m.port)) + 1;
    expect(out).toContain(`Created module "probe" (port ${port}, schema probe, topic crm.probe.events)`);
    for (const f of ['services/probe/src/service.ts', 'services/probe/schema.graphql', 'libs/events/frozen/crm.probe.item.created.v1.json', 'tools/e2e/test/probe-gateway.int-spec.ts']) {
      expect({ f, exists: existsSync(join(copy, f)) }).toEqual({ f, exists: true });
    }
    expect(readFileSync(join(copy, 'libs/events/src/modules.generated.ts'), 'utf8')).toMatch(/"name": "probe",\n\s+"title": "Probe"/);
    expect(readFileSync(join(copy, 'docker-compose.yml'), 'utf8')).toMatch(/^ {2}probe:\n/m);
    expect(readFileSync(join(copy, 'infra/k8s/crm.yaml'), 'utf8')).toMatch(/name: probe/);
    expect(readFileSync(join(copy, 'gateway/supergraph.graphql'), 'utf8')).toMatch(/PROBE @join__graph\(name: "probe"/);
    // Everything generated is consistent: the drift checks CI runs pass.
    ok(crm('infra', 'render', '--check'));
    ok(crm('events', 'docs', '--check'));
    ok(crm('compose', '--check'));
    // The CLI knows it (--modules validation).
    const unknown = sh(process.execPath, [join(copy, 'tools/cli/bin/crm.js'), 'migrate', '--modules', 'nope'], copy, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(unknown.stderr).toContain(`unknown module(s): nope (modules: ${[...MODULE_MANIFESTS.map((m) => m.name), 'probe'].join(', ')})`);
  });

  it('typechecks and lints', () => {
    ok(sh('pnpm', ['typecheck']));
    ok(sh('pnpm', ['exec', 'eslint', 'services/probe', 'libs/events/src', 'tools/e2e/test/probe-gateway.int-spec.ts']));
  });

  it('passes its own tests (sample use case, tenancy/RLS) and its gateway smoke test with contacts', () => {
    expect(runJest('services/probe/jest.config.js')).toBeDefined();
    runJest('tools/e2e/jest.config.js', 'probe-gateway');
  });

  it('boots in every subset with the other modules, in embedded mode (2ⁿ − 1 subsets of the installed modules and the probe)', () => {
    const r = sh('pnpm', ['exec', 'jest', '-c', 'tools/e2e/jest.config.js', '--ci', 'subsets'], copy, { NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning' });
    ok(r);
    const all = [...MODULE_MANIFESTS.map((m) => m.name), 'probe'];
    expect(r.stderr).toContain(`subset matrix: ${2 ** all.length - 1} subsets in `);
    expect(r.stderr).toMatch(new RegExp(`\\b${all.join('\\+')} \\d+\\)`));
  });
});
