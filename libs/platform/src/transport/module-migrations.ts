const MODULE_MIGRATIONS = 'crm:module-migrations';

/**
 * The tables a reusable module brings (e.g. the contact replica): a service that imports the module
 * gets its migrations run with its own, without listing them. Names and timestamps stay the
 * migrations' own, so databases that ran them before see nothing new.
 */
export function ModuleMigrations(migrations: Function[]): ClassDecorator {
  return (target) => Reflect.defineMetadata(MODULE_MIGRATIONS, migrations, target);
}

/** The migrations of these modules and of every module they import (directly or through forRoot). */
export function moduleMigrations(modules: readonly unknown[]): Function[] {
  const seen = new Set<unknown>();
  const out = new Set<Function>();
  const visit = (m: unknown): void => {
    if (!m || seen.has(m)) return;
    seen.add(m);
    if (typeof m === 'function') {
      for (const migration of (Reflect.getMetadata(MODULE_MIGRATIONS, m) as Function[] | undefined) ?? []) out.add(migration);
      for (const i of (Reflect.getMetadata('imports', m) as unknown[] | undefined) ?? []) visit(i);
      return;
    }
    const dynamic = m as { module?: unknown; imports?: unknown[]; forwardRef?: () => unknown };
    if (dynamic.forwardRef) return visit(dynamic.forwardRef());
    if (dynamic.module) visit(dynamic.module);
    for (const i of dynamic.imports ?? []) visit(i);
  };
  modules.forEach(visit);
  return [...out];
}
