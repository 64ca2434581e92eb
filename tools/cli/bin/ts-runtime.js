// How the `crm` command runs its TypeScript without a build step and without a compiler in a
// long-running process. Each .ts file is compiled once with SWC — the production build's settings
// (tools/build/swc-options.js: legacy decorators with emitted metadata) — into a cache keyed by its
// path and content, and every later load reads the cached JavaScript. `crm start` fills the cache in
// a short-lived child process first, so the process that runs the CRM never loads @swc/core (≈ 64 MB
// resident once it has compiled) nor typescript (≈ 55 MB, which @swc-node/register loads to read
// tsconfig.json). A file missing from the cache is still compiled in place, only at that memory
// cost; where the cache cannot be written (a read-only file system), files are compiled in memory.
//
// Stack traces point at the TypeScript lines: each cached file has its source map beside it, read
// only when a stack through it is formatted (source-map-support, as @swc-node/register did; frames
// in dependencies stay as they are). Node's own source maps are left off: they parse every loaded
// module's map at load, the dependencies' included (≈ 20 MB).
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const swcOptions = require('@crm/build/swc-options');
const { isTestOnly, typescriptFiles } = require('@crm/build/sources');

const REPO_ROOT = resolve(__dirname, '../../..');
const CACHE_DIR = process.env.CRM_TS_CACHE_DIR || join(REPO_ROOT, 'node_modules/.cache/crm-ts');
/** What start may load: the sources of every workspace package (not tests, not build output). */
const SOURCE_ROOTS = ['services', 'libs', 'gateway', 'tools'].map((dir) => join(REPO_ROOT, dir));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'e2e']);
const DAY_MS = 86_400_000;

// No sources in the maps: a stack trace needs only the positions.
const OPTIONS = { ...swcOptions({ sourceMaps: true }), inlineSourcesContent: false };
let keySalt;
/** Where one file's JavaScript is cached; the compiler's version and settings are in the key. */
function cachedFile(filename, source) {
  keySalt ??= `${require('@swc/core/package.json').version}\0${JSON.stringify(OPTIONS)}\0`;
  const key = createHash('sha256').update(keySalt).update(filename).update('\0').update(source).digest('hex');
  return join(CACHE_DIR, `${key}.js`);
}

let warnedUnwritable = false;
/**
 * One file's JavaScript and its source map (`mapFile` in the cache, or `map` in memory): from the
 * cache, or compiled now and cached. A file that does not compile throws the compiler's error.
 */
function compiled(filename, source = readFileSync(filename, 'utf8'), file = cachedFile(filename, source)) {
  try {
    return { code: readFileSync(file, 'utf8'), mapFile: `${file}.map` };
  } catch {
    // Not cached yet (or the cache cannot be read): compile.
  }
  const { code, map } = require('@swc/core').transformSync(source, { ...OPTIONS, filename, sourceFileName: filename });
  // Written aside and renamed, the map first: a process reading the cache never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(tmp, map);
    renameSync(tmp, `${file}.map`);
    writeFileSync(tmp, code);
    renameSync(tmp, file);
    return { code, mapFile: `${file}.map` };
  } catch (err) {
    // (A leftover .tmp file is pruned with the stale ones.)
    if (!warnedUnwritable) process.stderr.write(`crm: cannot write the TypeScript cache ${CACHE_DIR} (${err.code ?? err.message}); compiling in memory\n`);
    warnedUnwritable = true;
    return { code, map };
  }
}

/** Loads .ts files through the cache from now on. */
function install() {
  const maps = new Map(); // a loaded .ts file → { mapFile } or { map }
  require('source-map-support').install({
    environment: 'node',
    handleUncaughtExceptions: false,
    // Only our files' maps: a dependency's are never read, so an error through one costs no memory.
    overrideRetrieveSourceMap: true,
    retrieveSourceMap: (file) => {
      const m = maps.get(file);
      if (!m) return null;
      try {
        return { url: file, map: m.map ?? readFileSync(m.mapFile, 'utf8') };
      } catch {
        return null; // the cache was removed under a running process: the compiled positions are shown
      }
    },
  });
  require.extensions['.ts'] = (module, filename) => {
    const { code, ...map } = compiled(filename);
    maps.set(filename, map);
    module._compile(code, filename);
  };
}

/**
 * Compiles every source file under `roots` the cache lacks. For the repository's own roots it then
 * deletes cached files no source has any more, a day after they were written (a process started
 * before an edit may still read the old one's map). Returns how many it compiled.
 */
function precompile(roots = SOURCE_ROOTS) {
  let count = 0;
  const current = new Set();
  for (const root of roots) {
    for (const file of typescriptFiles(root, SKIPPED_DIRS)) {
      if (isTestOnly(relative(root, file))) continue;
      const source = readFileSync(file, 'utf8');
      const cached = cachedFile(file, source);
      current.add(cached);
      if (existsSync(cached)) continue;
      try {
        compiled(file, source, cached);
        count++;
      } catch {
        // Does not compile: it fails with the compiler's message if something loads it, as before.
      }
      if (warnedUnwritable) return count; // the process that loads them compiles them in memory
    }
  }
  if (roots !== SOURCE_ROOTS) return count;
  const dayAgo = Date.now() - DAY_MS;
  for (const name of existsSync(CACHE_DIR) ? readdirSync(CACHE_DIR) : []) {
    const file = join(CACHE_DIR, name);
    if (current.has(file.replace(/\.map$/, ''))) continue;
    // Another process may rename or delete it meanwhile.
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat && stat.mtimeMs < dayAgo) rmSync(file, { force: true });
  }
  return count;
}

module.exports = { install, precompile };

// node ts-runtime.js precompile [dir…]
if (require.main === module && process.argv[2] === 'precompile') {
  const dirs = process.argv.slice(3).map((dir) => resolve(dir));
  const count = precompile(dirs.length ? dirs : undefined);
  if (count) process.stderr.write(`crm: compiled ${count} TypeScript file(s) into ${CACHE_DIR}\n`);
}
