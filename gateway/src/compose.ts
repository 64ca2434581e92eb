/**
 * Writes gateway/supergraph.graphql from services/<name>/schema.graphql; `--check` fails if it is stale (CI).
 * Usage: node -r @swc-node/register gateway/src/compose.ts [--check]
 */
import { resolve } from 'node:path';
import { buildSupergraphFile } from './composition';

const check = process.argv.includes('--check');
try {
  const result = buildSupergraphFile({ repoRoot: resolve(__dirname, '..', '..'), check });
  const what = check ? 'is up to date' : result.changed ? 'written' : 'unchanged';
  process.stdout.write(`${result.file} ${what} (subgraphs: ${result.subgraphs.join(', ')})\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
