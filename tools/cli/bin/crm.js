#!/usr/bin/env node
// The `crm` command. TypeScript runs from SWC's output, cached per file (./ts-runtime.js) — no build step.
const path = require('node:path');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`crm needs Node.js 22 or newer (24 LTS recommended); this is ${process.version}.\n`);
  process.exit(1);
}
// `start` runs every module in one process. V8 sizes the young generation from the machine's memory
// (128 MB of semi-spaces on 24 GiB), a third of that process's resident set under load; 16 MB
// semi-spaces hold the peak ≈ 120 MB lower with no throughput cost the bench could see
// (bench/README.md, "young generation"). The flag only applies at process start, so the process
// replaces itself (same pid, for pnpm and signals) where Node can (22.15+, not Windows). A
// --max-semi-space-size of the user's own (NODE_OPTIONS, command line) wins; under a debugger
// (--inspect…) the process is left alone, as a second start would drop the session.
const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (process.argv[2] === 'start' && typeof process.execve === 'function' && process.platform !== 'win32' && !/--max[-_]semi[-_]space[-_]size|--inspect/.test(userFlags)) {
  try {
    process.execve(process.execPath, [process.execPath, '--max-semi-space-size=16', ...process.execArgv, __filename, ...process.argv.slice(2)]);
  } catch {
    // Not replaced (a platform or exec failure): run on with V8's default.
  }
}
// Settings from .env at the repository root (or CRM_ENV_FILE), as .env.example says; the environment wins.
const envFile = process.env.CRM_ENV_FILE || path.join(__dirname, '../../../.env');
if (require('node:fs').existsSync(envFile)) process.loadEnvFile(envFile);
const tsRuntime = require('./ts-runtime');
// `start` runs for hours: the compiler fills the cache in a child that exits, never in this process.
if (process.argv[2] === 'start') {
  const filled = require('node:child_process').spawnSync(process.execPath, [path.join(__dirname, 'ts-runtime.js'), 'precompile'], { stdio: 'inherit' });
  if (filled.status !== 0) process.exit(filled.status ?? 1);
}
tsRuntime.install();
require('../src/main.ts');
