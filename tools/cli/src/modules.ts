import { MODULES, type ModuleName } from '@crm/events';
import type { ServiceDefinition } from '@crm/platform';

/**
 * The modules this checkout has. A module that is not installed is simply absent — every subset
 * boots and composes (the gateway composes only what runs).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- modules are optional: loaded only if installed */
const LOADERS: Partial<Record<ModuleName, () => ServiceDefinition>> = {
  contacts: () => require('@crm/contacts').contactsService,
  sales: () => require('@crm/sales').salesService,
  marketing: () => require('@crm/marketing').marketingService,
  support: () => require('@crm/support').supportService,
  loyalty: () => require('@crm/loyalty').loyaltyService,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export function availableModules(): Map<ModuleName, ServiceDefinition> {
  const out = new Map<ModuleName, ServiceDefinition>();
  for (const name of MODULES) {
    try {
      const def = LOADERS[name]?.();
      if (def) out.set(name, def);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(`@crm/${name}`)) throw err;
    }
  }
  return out;
}

export function selectModules(requested: string | undefined): ServiceDefinition[] {
  const available = availableModules();
  if (!requested) return [...available.values()];
  const names = requested.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !available.has(n as ModuleName));
  if (unknown.length) throw new Error(`unknown or not installed module(s): ${unknown.join(', ')} (available: ${[...available.keys()].join(', ')})`);
  return names.map((n) => available.get(n as ModuleName)!);
}
