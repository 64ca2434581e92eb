#!/usr/bin/env node
// The `crm` command. TypeScript runs through SWC (decorator metadata included) — no build step.
const path = require('node:path');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`crm needs Node.js 22 or newer (24 LTS recommended); this is ${process.version}.\n`);
  process.exit(1);
}
// Settings from .env at the repository root (or CRM_ENV_FILE), as .env.example says; the environment wins.
const envFile = process.env.CRM_ENV_FILE || path.join(__dirname, '../../../.env');
if (require('node:fs').existsSync(envFile)) process.loadEnvFile(envFile);
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '../../../tsconfig.json');
require('@swc-node/register');
require('../src/main.ts');
