import { createModule, ModuleOptionsError, type ModuleGeneratorSchema } from '@crm/nx-plugin';
import { REPO_ROOT } from './paths';

/**
 * `crm new-module <name>`: the Nx generator of tools/nx-plugin (the same as `pnpm nx g
 * @crm/nx-plugin:module <name>`) on this checkout, then pnpm install, `crm infra render`,
 * `crm events docs` and `crm compose`. A refused request writes nothing and says every reason.
 */
export function newModule(options: ModuleGeneratorSchema, root = REPO_ROOT, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): number {
  try {
    const { names, files } = createModule(root, options, out);
    out(`\nCreated module "${names.name}" (port ${names.port}, schema ${names.schema}, topic ${names.topic}):`);
    for (const f of files) out(`  ${f.type === 'CREATE' ? 'create' : 'update'} ${f.path}`);
    out(
      `\nNext: rename the sample aggregate "${names.agg}" to the module's first real one (or pass --aggregate next time), then\n` +
        `  pnpm exec jest -c services/${names.name}/jest.config.js      # its own tests\n` +
        `  node tools/cli/bin/crm.js start --modules contacts,${names.name}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ModuleOptionsError) {
      process.stderr.write(`crm new-module: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
