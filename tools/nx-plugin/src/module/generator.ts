import { join } from 'node:path';
import { generateFiles, readJson, updateJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import type { ModuleManifest } from '@crm/events';
import { manifestOf, resolveModuleOptions, type ModuleGeneratorSchema, type ModuleNames } from './options';
import { runPostSteps } from './post-steps';

/** The templates: services/<name>, its event contract in libs/events, its e2e smoke test. */
const TEMPLATES = join(__dirname, '..', '..', 'files', 'module');

/** What the generator checks a request against: the declared manifests, the service folders, the composed API. */
export function readWorkspace(tree: Tree) {
  const serviceDirs = tree.children('services').filter((d) => !tree.isFile(join('services', d)));
  const manifests: { file: string; crm: ModuleManifest }[] = [];
  for (const d of serviceDirs) {
    const file = join('services', d, 'package.json');
    if (!tree.exists(file)) continue;
    const pkg = readJson<{ crm?: ModuleManifest }>(tree, file);
    if (pkg.crm) manifests.push({ file, crm: pkg.crm });
  }
  return { manifests, serviceDirs, apiSdl: tree.read('schema/api.graphql', 'utf8') ?? '' };
}

/**
 * Writes the module's shell into the tree and registers it where the manifests do not reach by
 * themselves: its contracts in libs/events (registry and exports), its package in the CLI and the
 * e2e tests (they load installed modules). Everything else that lists modules is derived from the
 * manifest by `crm infra render` (a post step).
 */
export function generateModule(tree: Tree, schema: ModuleGeneratorSchema): ModuleNames {
  const n = resolveModuleOptions(schema, readWorkspace(tree));
  generateFiles(tree, TEMPLATES, '.', { ...n, tmpl: '' });
  tree.write(
    `services/${n.name}/package.json`,
    `${JSON.stringify(
      {
        name: `@crm/${n.name}`,
        version: '0.1.0',
        private: true,
        main: 'src/index.ts',
        // What the generated code imports (lint's @nx/dependency-checks holds every package to its imports; `nx deploy` prunes to them).
        dependencies: {
          '@crm/events': 'workspace:*',
          '@crm/platform': 'workspace:*',
          '@crm/shared-contacts': 'workspace:*',
          '@crm/shared-kernel': 'workspace:*',
          ...versionsOf(tree, ['@nestjs/common', '@nestjs/graphql', 'dataloader', 'graphql', 'typeorm', 'zod']),
        },
        devDependencies: { '@crm/testing': 'workspace:*', ...versionsOf(tree, ['kafkajs']) },
        crm: manifestOf(n.name, n.title, n.description, n.port, n.aggs, n.contactField),
      },
      null,
      2,
    )}\n`,
  );
  registerContracts(tree, n);
  updateJson(tree, 'tools/cli/package.json', (p) => ({ ...p, dependencies: { ...p.dependencies, [`@crm/${n.name}`]: 'workspace:*' } }));
  updateJson(tree, 'tools/e2e/package.json', (p) => ({ ...p, devDependencies: { ...p.devDependencies, [`@crm/${n.name}`]: 'workspace:*' } }));
  return n;
}

/** `import * as <camel> from './contracts/<name>'` into ALL_CONTRACTS, and the contracts exported from @crm/events. */
function registerContracts(tree: Tree, n: ModuleNames): void {
  const registry = 'libs/events/src/registry.ts';
  let src = tree.read(registry, 'utf8')!;
  const imports = [...src.matchAll(/^import \* as \w+ from '\.\/contracts\/[\w-]+';\n/gm)];
  const last = imports[imports.length - 1];
  const all = /(export const ALL_CONTRACTS: readonly EventContract\[\] = \[)([^\]]*)(\];)/;
  if (!last || !all.test(src)) throw new Error(`${registry}: cannot find the contract imports and ALL_CONTRACTS to register ${n.name}'s contracts`);
  const at = last.index! + last[0].length;
  src = `${src.slice(0, at)}import * as ${n.camel} from './contracts/${n.name}';\n${src.slice(at)}`;
  src = src.replace(all, (_m, open: string, body: string, close: string) => `${open}${body.trimEnd()}, ...Object.values(${n.camel})${close}`);
  tree.write(registry, src);

  const index = 'libs/events/src/index.ts';
  const lines = tree.read(index, 'utf8')!.split('\n');
  const lastContract = lines.map((l) => l.startsWith("export * from './contracts/")).lastIndexOf(true);
  lines.splice(lastContract + 1, 0, `export * from './contracts/${n.name}';`);
  tree.write(index, lines.join('\n'));
}

/** `nx g @crm/nx-plugin:module <name>`: the files, then (unless --skipPostSteps) install, render, catalogue, compose. */
export async function moduleGenerator(tree: Tree, schema: ModuleGeneratorSchema): Promise<GeneratorCallback | void> {
  const n = generateModule(tree, schema);
  if (schema.skipPostSteps) return;
  return () => runPostSteps(tree.root, n);
}

export default moduleGenerator;

/** The versions the existing modules declare (one version of each third-party package in the workspace). */
function versionsOf(tree: Tree, names: string[]): Record<string, string> {
  const known: Record<string, string> = {};
  for (const d of tree.children('services')) {
    const file = `services/${d}/package.json`;
    if (!tree.exists(file)) continue;
    const pkg = JSON.parse(tree.read(file, 'utf8') ?? '{}') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    for (const [n, v] of Object.entries({ ...pkg.devDependencies, ...pkg.dependencies })) known[n] ??= v;
  }
  const out: Record<string, string> = {};
  for (const n of names) {
    if (!known[n]) throw new Error(`no module declares ${n}; cannot choose its version for the new module`);
    out[n] = known[n];
  }
  return out;
}
