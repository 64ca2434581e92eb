#!/usr/bin/env node
// `nx build <project>`: compiles a project's TypeScript (src/ and, for modules, migrations/) to
// <project>/dist with SWC, keeping the directory layout (dist/src/…, dist/migrations/…) so relative
// imports such as '../migrations/…' and deep imports such as '@crm/platform/src/config' resolve the
// same in dist as in the sources. Specs and test helpers are left out. Type checking is `pnpm typecheck`'s job.
// Deployable projects get dist/main.js (and dist/migrate.js when src/migrate.ts exists): the
// commands an image runs.
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const { transformFileSync } = require('@swc/core');
const swcOptions = require('./swc-options');
const { isTestOnly, typescriptFiles } = require('./sources');

const SOURCE_DIRS = ['src', 'migrations'];
const ENTRY_POINTS = ['main', 'migrate'];

function build(projectRoot) {
  const root = resolve(projectRoot);
  const dist = join(root, 'dist');
  rmSync(dist, { recursive: true, force: true });
  let count = 0;
  for (const sourceDir of SOURCE_DIRS) {
    if (!existsSync(join(root, sourceDir))) continue;
    for (const file of typescriptFiles(join(root, sourceDir))) {
      const rel = relative(root, file);
      if (isTestOnly(rel)) continue;
      const out = join(dist, rel.replace(/\.ts$/, '.js'));
      const { code, map } = transformFileSync(file, { ...swcOptions({ sourceMaps: true }), filename: file, sourceFileName: relative(dirname(out), file) });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
      if (map) writeFileSync(`${out}.map`, map);
      count++;
    }
  }
  const entries = ENTRY_POINTS.filter((name) => existsSync(join(root, 'src', `${name}.ts`)));
  for (const name of entries) writeFileSync(join(dist, `${name}.js`), `'use strict';\nrequire('./src/${name}.js');\n`);
  return { count, entries };
}

if (require.main === module) {
  const projectRoot = process.argv[2];
  if (!projectRoot) {
    process.stderr.write('usage: node tools/build/build.js <projectRoot>\n');
    process.exit(2);
  }
  const { count, entries } = build(projectRoot);
  process.stdout.write(`${projectRoot}: ${count} files → ${projectRoot}/dist${entries.length ? ` (entry points: ${entries.map((e) => `dist/${e}.js`).join(', ')})` : ''}\n`);
}

module.exports = { build };
