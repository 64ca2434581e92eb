import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EventContract } from './contract';
import { ALL_CONTRACTS } from './registry';

/**
 * A published event type never changes in a way that breaks a consumer. Its payload schema is
 * frozen, as JSON Schema, in libs/events/frozen/<type>.json the first time the catalogue is generated
 * (`crm events docs`). A unit test fails when a contract no longer matches its frozen schema, or when
 * a frozen type disappears. A breaking change ships `…v2` beside `…v1`.
 *
 * The one change allowed in place is additive: new OPTIONAL properties on an object (a consumer that
 * does not know them ignores them; a producer that does not send them is still valid). `crm events
 * docs` then rewrites the frozen file to the superset — so a later removal of the new property is
 * caught as a breaking change too — and the catalogue shows them as optional.
 */
export const FROZEN_DIR = join(__dirname, '../frozen');

/** The payload schema as it is frozen: JSON Schema of what publishers may send, stable formatting. */
export function frozenSchemaText(c: EventContract): string {
  return `${JSON.stringify(z.toJSONSchema(c.schema, { io: 'input' }), null, 2)}\n`;
}

const fileOf = (type: string) => join(FROZEN_DIR, `${type}.json`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The optional properties `current` adds to `frozen` (paths like `addresses` or `lines[].note`), or
 * null when `current` differs in any other way (a removed or retyped property, a new required one,
 * a changed constraint): what is allowed without a new version.
 */
export function additiveProperties(frozen: Json, current: Json, path = ''): string[] | null {
  if (!isObject(frozen) || !isObject(current)) return JSON.stringify(frozen) === JSON.stringify(current) ? [] : null;
  const added: string[] = [];
  const keys = new Set([...Object.keys(frozen), ...Object.keys(current)]);
  for (const key of keys) {
    if (key === 'properties' && isObject(frozen.properties) && isObject(current.properties)) {
      for (const [name, schema] of Object.entries(current.properties)) {
        const at = path ? `${path}.${name}` : name;
        // A new name is allowed here; a new *required* one changes `required`, which must stay equal (below).
        if (!(name in frozen.properties)) {
          added.push(at);
          continue;
        }
        const inner = additiveProperties(frozen.properties[name], schema, at);
        if (!inner) return null;
        added.push(...inner);
      }
      if (Object.keys(frozen.properties).some((name) => !(name in (current.properties as object)))) return null;
      continue;
    }
    if (key === 'items' || key === 'additionalProperties') {
      const inner = additiveProperties(frozen[key] ?? null, current[key] ?? null, `${path}[]`);
      if (!inner) return null;
      added.push(...inner);
      continue;
    }
    if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      const a = frozen[key];
      const b = current[key];
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return null;
      for (let i = 0; i < a.length; i++) {
        const inner = additiveProperties(a[i], b[i], path);
        if (!inner) return null;
        added.push(...inner);
      }
      continue;
    }
    if (JSON.stringify(frozen[key]) !== JSON.stringify(current[key])) return null;
  }
  return added;
}

function frozenJson(type: string): Json {
  return JSON.parse(readFileSync(fileOf(type), 'utf8')) as Json;
}

/** What differs between the contracts and the frozen schemas (empty: nothing). */
export function frozenSchemaProblems(contracts: readonly EventContract[] = ALL_CONTRACTS): string[] {
  const problems: string[] = [];
  const types = new Set(contracts.map((c) => c.type));
  for (const c of contracts) {
    if (!existsSync(fileOf(c.type))) problems.push(`${c.type}: not frozen yet (run \`pnpm events:docs\` and commit libs/events/frozen/${c.type}.json)`);
    else if (readFileSync(fileOf(c.type), 'utf8') !== frozenSchemaText(c)) {
      const added = additiveProperties(frozenJson(c.type), JSON.parse(frozenSchemaText(c)) as Json);
      if (!added) problems.push(`${c.type}: its schema changed after it was published; publish a new version (…v2) beside it instead`);
      else problems.push(`${c.type}: adds the optional properties ${added.join(', ')} (an allowed additive change): run \`pnpm events:docs\` to record it in libs/events/frozen/${c.type}.json`);
    }
  }
  const frozen = existsSync(FROZEN_DIR) ? readdirSync(FROZEN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)) : [];
  for (const type of frozen) if (!types.has(type)) problems.push(`${type}: a published type was removed; integrators may still consume it`);
  return problems;
}

/**
 * Freezes the types that are not frozen yet, and records allowed additive changes (new optional
 * properties) in their frozen file; never rewrites a frozen schema in any other way. Returns what it wrote.
 */
export function freezeNewSchemas(contracts: readonly EventContract[] = ALL_CONTRACTS): string[] {
  mkdirSync(FROZEN_DIR, { recursive: true });
  const written: string[] = [];
  for (const c of contracts) {
    if (existsSync(fileOf(c.type))) {
      const text = frozenSchemaText(c);
      if (readFileSync(fileOf(c.type), 'utf8') === text) continue;
      const added = additiveProperties(frozenJson(c.type), JSON.parse(text) as Json);
      if (!added) continue;
      writeFileSync(fileOf(c.type), text);
      written.push(`${c.type} (added optional ${added.join(', ')})`);
      continue;
    }
    writeFileSync(fileOf(c.type), frozenSchemaText(c));
    written.push(c.type);
  }
  return written;
}
