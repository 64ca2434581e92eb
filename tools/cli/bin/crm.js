#!/usr/bin/env node
// The `crm` command. TypeScript runs from SWC's output, cached per file (./ts-runtime.js) — no build step.
const path = require('node:path');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`crm needs Node.js 22 or newer (24 LTS recommended); this is ${process.version}.\n`);
  process.exit(1);
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
