import { contractsOf, MODULE_MANIFESTS } from '@crm/events';
import { availableModules, selectModules } from './modules';

/** The manifest says what the module's code does: name, port, settings and published event types agree. */
describe('module manifests against the modules', () => {
  const defs = availableModules();

  it.each(MODULE_MANIFESTS.map((m) => [m.name, m] as const))('%s: its ServiceDefinition matches its manifest', (name, m) => {
    const def = defs.get(name)!;
    expect(def).toBeDefined();
    expect(def.name).toBe(m.name);
    expect(def.defaultPort).toBe(m.port);
    expect(Object.keys(def.configSchema?.shape ?? {}).sort()).toEqual([...m.config].sort());
    const types = contractsOf(name).map((c) => c.type);
    expect(types.length).toBeGreaterThan(0);
    expect(types.filter((t) => !t.startsWith(m.publishes))).toEqual([]);
  });

  it('--modules accepts any non-empty subset and refuses unknown, uninstalled or empty lists clearly', () => {
    expect(selectModules('sales, contacts,sales').map((d) => d.name)).toEqual(['sales', 'contacts']);
    // The list in the messages is every module of this checkout (it grew with marketing), not a fixed pair.
    const all = MODULE_MANIFESTS.map((m) => m.name).join(', ');
    expect(() => selectModules('contacts,billing')).toThrow(`unknown module(s): billing (modules: ${all})`);
    expect(() => selectModules(' , ')).toThrow(`--modules is empty (modules: ${all})`);
  });
});
