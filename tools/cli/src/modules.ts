import { MODULE_MANIFESTS, MODULES, isModuleName, type ModuleName } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';

/**
 * The modules this checkout has, from their manifests (libs/events' generated MODULE_MANIFESTS). A
 * module whose package is not installed is simply absent — every subset boots and composes (the
 * gateway composes only what runs).
 */
function load(name: ModuleName): ServiceDefinition | undefined {
  const manifest = MODULE_MANIFESTS.find((m) => m.name === name)!;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- modules are optional: loaded only if installed
    const def = require(`@crm/${name}`)[manifest.service] as ServiceDefinition | undefined;
    if (!def) throw new Error(`@crm/${name} does not export "${manifest.service}" (crm.service in services/${name}/package.json)`);
    return def;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'@crm/${name}'`)) return undefined;
    throw err;
  }
}

export function availableModules(): Map<ModuleName, ServiceDefinition> {
  const out = new Map<ModuleName, ServiceDefinition>();
  for (const name of MODULES) {
    const def = load(name);
    if (def) out.set(name, def);
  }
  return out;
}

/** `--modules a,b` → their definitions; an unknown or uninstalled name is refused, naming the valid ones. */
export function selectModules(requested: string | undefined): ServiceDefinition[] {
  const available = availableModules();
  if (!requested) return [...available.values()];
  const names = [...new Set(requested.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw new Error(`--modules is empty (modules: ${[...available.keys()].join(', ')})`);
  const unknown = names.filter((n) => !isModuleName(n));
  if (unknown.length) throw new Error(`unknown module(s): ${unknown.join(', ')} (modules: ${MODULES.join(', ')})`);
  const missing = names.filter((n) => !available.has(n as ModuleName));
  if (missing.length) throw new Error(`module(s) not installed: ${missing.join(', ')} (installed: ${[...available.keys()].join(', ')})`);
  return names.map((n) => available.get(n as ModuleName)!);
}
