import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { generateModule } from './generator';
import type { ModuleGeneratorSchema, ModuleNames } from './options';
import { runPostSteps } from './post-steps';

export interface CreatedModule {
  names: ModuleNames;
  /** Paths written (created or updated), relative to the root. */
  files: { path: string; type: 'CREATE' | 'UPDATE' | 'DELETE' }[];
}

/**
 * What `crm new-module` runs: the generator on the real file system (the same code as
 * `nx g @crm/nx-plugin:module`), nothing written if the request is refused, then the post steps.
 */
export function createModule(root: string, schema: ModuleGeneratorSchema, log?: (line: string) => void): CreatedModule {
  const tree = new FsTree(root, false);
  const names = generateModule(tree, schema);
  const changes = tree.listChanges();
  flushChanges(root, changes);
  if (!schema.skipPostSteps) runPostSteps(root, names, log);
  return { names, files: changes.map((c) => ({ path: c.path, type: c.type })) };
}
