// How the `crm` command runs its TypeScript without a build step and without a compiler in a
// long-running process. Each .ts file is compiled once with SWC — the production build's settings
// (tools/build/swc-options.js: legacy decorators with emitted metadata) — into a cache keyed by its
// path and content, and every later load reads the cached JavaScript. `crm start` fills the cache in
// a short-lived child process first, so the process that runs the CRM never loads @swc/core (≈ 64 MB
// resident once it has compiled) nor typescript (≈ 55 MB, which @swc-node/register loads to read
// tsconfig.json). A file missing from the cache is still compiled in place, only at that memory cost.
//
// Stack traces point at the TypeScript lines: each cached file has its source map beside it, read
// only when a stack is formatted (source-map-support, as @swc-node/register did). Node's own
// source maps are left off: they parse every map at load, every dependency's included (≈ 20 MB).
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const swcOptions = require('../../build/swc-options');

const REPO_ROOT = resolve(__dirname, '../../..');
const CACHE_DIR = process.env.CRM_TS_CACHE_DIR || join(REPO_ROOT, 'node_modules/.cache/crm-ts');
/** What start may load: the sources of every workspace package (not tests, not build output). */
const SOURCE_ROOTS = ['services', 'libs', 'gateway', 'tools'].map((dir) => join(REPO_ROOT, dir));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test', 'testing', 'e2e']);

// No sources in the maps: a stack trace needs only the positions.
const OPTIONS = { ...swcOptions({ sourceMaps: true }), inlineSourcesContent: false };
let keySalt;
/** Where one file's JavaScript is cached; the compiler's version and settings are in the key. */
function cachedFile(filename, source) {
  keySalt ??= `${require('@swc/core/package.json').version}\0${JSON.stringify(OPTIONS)}\0`;
  const key = createHash('sha256').update(keySalt).update(filename).update('\0').update(source).digest('hex');
  return join(CACHE_DIR, `${key}.js`);
}

/** Compiles one file into the cache unless it is there; returns the cached file. */
function ensureCompiled(filename, source = readFileSync(filename, 'utf8')) {
  const file = cachedFile(filename, source);
  if (existsSync(file)) return file;
  const { code, map } = require('@swc/core').transformSync(source, { ...OPTIONS, filename, sourceFileName: filename });
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written aside and renamed, the map first: a process reading the cache never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, map);
  renameSync(tmp, `${file}.map`);
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  return file;
}

/** Loads .ts files through the cache from now on. */
function install() {
  const mapOf = new Map(); // a loaded .ts file → its cached source map
  require('source-map-support').install({
    environment: 'node',
    handleUncaughtExceptions: false,
    retrieveSourceMap: (file) => (mapOf.has(file) ? { url: file, map: readFileSync(mapOf.get(file), 'utf8') } : null),
  });
  require.extensions['.ts'] = (module, filename) => {
    const file = ensureCompiled(filename);
    mapOf.set(filename, `${file}.map`);
    module._compile(readFileSync(file, 'utf8'), filename);
  };
}

function* typescriptFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* typescriptFiles(full);
    } else if (entry.name.endsWith('.ts') && !/\.(d|spec|int-spec|e2e-spec|gen-spec)\.ts$/.test(entry.name)) yield full;
  }
}

/**
 * Compiles every source file under `roots` the cache lacks, and deletes cached files no source has
 * any more (older than a day: another process may be loading a fresh one). Returns how many it compiled.
 */
function precompile(roots = SOURCE_ROOTS) {
  let count = 0;
  const current = new Set();
  for (const root of roots) {
    for (const file of typescriptFiles(root)) {
      const source = readFileSync(file, 'utf8');
      const cached = cachedFile(file, source);
      current.add(cached);
      if (existsSync(cached)) continue;
      try {
        ensureCompiled(file, source);
        count++;
      } catch {
        // A file that does not compile fails when something loads it, with the compiler's message.
      }
    }
  }
  const dayAgo = Date.now() - 86_400_000;
  for (const name of existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR) : []) {
    const file = join(CACHE_DIR, name);
    if (!current.has(file.replace(/\.map$/, '')) && statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
  }
  return count;
}

module.exports = { install, precompile, CACHE_DIR };

// node ts-runtime.js precompile [dir…]
if (require.main === module && process.argv[2] === 'precompile') {
  const dirs = process.argv.slice(3).map((dir) => resolve(dir));
  const count = precompile(dirs.length ? dirs : undefined);
  if (count) process.stderr.write(`crm: compiled ${count} TypeScript file(s) into ${CACHE_DIR}\n`);
}
