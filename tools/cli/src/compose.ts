import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildSupergraphFile } from '@crm/gateway';
import { printServiceSchema } from '@crm/platform';
import { availableModules } from './modules';
import { REPO_ROOT } from './paths';

/**
 * Prints every installed service's federation SDL to services/<name>/schema.graphql and composes
 * gateway/supergraph.graphql. With check=true nothing is written and any drift or composition
 * error fails (CI): a composition error fails the build, not production.
 */
export async function composeAll(check: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, def] of availableModules()) {
    const sdl = await printServiceSchema(def);
    const file = join(REPO_ROOT, 'services', name, 'schema.graphql');
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current !== sdl) {
      if (check) stale.push(file);
      else writeFileSync(file, sdl);
    }
  }
  if (stale.length) throw new Error(`schema files are out of date (run \`pnpm compose\` and commit): ${stale.join(', ')}`);
  const result = buildSupergraphFile({ repoRoot: REPO_ROOT, check });
  return result.subgraphs;
}
