// Which files are a project's TypeScript sources: shared by the production build (build.js) and the
// `crm` command's compile cache (tools/cli/bin/ts-runtime.js). No compiler is loaded here: the
// cache's long-running process requires this file.
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

/** Specs and test helpers (by a path relative to the project): never part of what runs. */
const isTestOnly = (rel) => /\.(spec|int-spec)\.ts$/.test(rel) || rel.split('/').includes('testing') || rel.split('/').includes('test');

/** Every .ts file under `dir` but declaration files, not entering directories named in `skipDirs`. */
function* typescriptFiles(dir, skipDirs = new Set()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name)) yield* typescriptFiles(full, skipDirs);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield full;
  }
}

module.exports = { isTestOnly, typescriptFiles };
