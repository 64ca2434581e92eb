import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// bin/ts-runtime.js is how the `crm` command runs TypeScript. Each case runs it in a fresh Node
// process, as the command does, with its own cache directory.
const RUNTIME = join(__dirname, '../bin/ts-runtime.js');

describe('the crm command’s TypeScript runtime (compiled once into a cache, no compiler at run time)', () => {
  let dir: string;
  let cache: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-ts-src-'));
    cache = mkdtempSync(join(tmpdir(), 'crm-ts-cache-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  /** A fresh Node process with `args`, on this case's cache unless `cacheDir` says otherwise. */
  const spawn = (args: string[], cacheDir = cache) => {
    const run = spawnSync(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '', CRM_TS_CACHE_DIR: cacheDir }, encoding: 'utf8' });
    return { status: run.status, out: run.stdout, err: run.stderr };
  };
  const node = (script: string, cacheDir?: string) => spawn(['-e', script], cacheDir);
  const precompile = (...dirs: string[]) => spawn([RUNTIME, 'precompile', ...dirs]);
  /** Loads `file` through the runtime; prints its exports and every loaded module path. */
  const load = (file: string) =>
    node(`require(${JSON.stringify(RUNTIME)}).install();
      const m = require(${JSON.stringify(file)});
      console.log(JSON.stringify({ value: m.value, modules: Object.keys(require.cache) }));`);

  it('after precompile, a process loads its TypeScript from the cache without loading SWC or typescript', () => {
    const file = join(dir, 'entity.ts');
    // Decorator metadata as NestJS and TypeORM read it: the constructor's parameter types.
    writeFileSync(
      file,
      `const seen: unknown[] = [];
       const Injectable = (): ClassDecorator => (target) => { seen.push(Reflect.getMetadata?.('design:paramtypes', target)); };
       (Reflect as any).getMetadata ??= (k: string, t: any) => t[k];
       (Reflect as any).metadata ??= (k: string, v: unknown) => (t: any) => { t[k] = v; };
       class Clock { now(): number { return 1 } }
       @Injectable()
       class Service { constructor(readonly clock: Clock) {} }
       export const value = { param: (seen[0] as Function[])[0] === Clock, name: Service.name };`,
    );
    const filled = precompile(dir);
    expect(filled.status).toBe(0);
    expect(filled.err).toContain('compiled 1 TypeScript file');
    expect(readdirSync(cache).sort()).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.js$/), expect.stringMatching(/^[0-9a-f]{64}\.js\.map$/)]);

    const run = load(file);
    expect(run.status).toBe(0);
    const { value, modules } = JSON.parse(run.out) as { value: unknown; modules: string[] };
    expect(value).toEqual({ param: true, name: 'Service' });
    expect(modules.filter((m) => /node_modules\/(@swc\/core|typescript)\/.*\.js$/.test(m))).toEqual([]);

    // Nothing left to compile: a second precompile is silent.
    expect(precompile(dir).err).toBe('');
  });

  it('an edited file is compiled again (the cache is keyed by content), and a missing one is compiled on load', () => {
    const file = join(dir, 'value.ts');
    writeFileSync(file, `export const value: number = 1;`);
    expect(JSON.parse(load(file).out).value).toBe(1);
    writeFileSync(file, `export const value: number = 2;`);
    expect(JSON.parse(load(file).out).value).toBe(2);
  });

  it('precompile skips a file that does not compile (it fails when loaded)', () => {
    writeFileSync(join(dir, 'good.ts'), `export const value: number = 1;`);
    writeFileSync(join(dir, 'broken.ts'), `export const value: number = ;`);
    const filled = precompile(dir);
    expect(filled.status).toBe(0);
    expect(filled.err).toContain('compiled 1 TypeScript file');
    expect(JSON.parse(load(join(dir, 'good.ts')).out).value).toBe(1);
    const broken = load(join(dir, 'broken.ts'));
    expect(broken.status).not.toBe(0);
    expect(broken.err).toContain('broken.ts');
  });

  it("the repository's precompile deletes cached files no source has any more once a day old, and keeps every current one however old", () => {
    expect(precompile().status).toBe(0);
    const current = readdirSync(cache);
    expect(current.length).toBeGreaterThan(100);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (const f of current) utimesSync(join(cache, f), twoDaysAgo, twoDaysAgo);
    const [old, recent] = [`${'0'.repeat(64)}.js`, `${'1'.repeat(64)}.js`];
    for (const f of [old, `${old}.map`, `${old}.123.tmp`, recent]) writeFileSync(join(cache, f), '');
    for (const f of [old, `${old}.map`, `${old}.123.tmp`]) utimesSync(join(cache, f), twoDaysAgo, twoDaysAgo);

    const again = precompile();
    expect(again.status).toBe(0);
    expect(again.err).toBe('');
    expect(readdirSync(cache).sort()).toEqual([...current, recent].sort());
  });

  it('compiles in memory, with one warning, where the cache cannot be written', () => {
    const file = join(dir, 'value.ts');
    writeFileSync(file, `export const value: number = 3;`);
    const blocked = join(cache, 'not-a-directory');
    writeFileSync(blocked, '');
    const run = node(`require(${JSON.stringify(RUNTIME)}).install(); console.log(JSON.stringify(require(${JSON.stringify(file)}).value))`, join(blocked, 'cache'));
    expect(run.status).toBe(0);
    // A string, not a number: with FORCE_COLOR (CI) console.log colours numbers.
    expect(JSON.parse(run.out)).toBe(3);
    expect(run.err).toContain('cannot write the TypeScript cache');
  });

  it('stack traces name the TypeScript file and line, not the compiled JavaScript', () => {
    const file = join(dir, 'boom.ts');
    writeFileSync(
      file,
      ['interface Input { x: number }', '', 'function fail(a: Input): never {', '  // the line below is line 5', '  throw new Error(`boom ${a.x}`);', '}', 'export const run = () => fail({ x: 1 });', ''].join('\n'),
    );
    const run = node(`require(${JSON.stringify(RUNTIME)}).install(); try { require(${JSON.stringify(file)}).run() } catch (e) { console.log(e.stack) }`);
    expect(run.status).toBe(0);
    expect(run.out).toContain(`at fail (${file}:5:9)`);
    expect(run.out).toContain(`at Object.run (${file}:7:`);
  });
});
