import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { EventContract } from './contract';
import { ALL_CONTRACTS } from './registry';

/**
 * A published event type never changes. Its payload schema is frozen, as JSON Schema, in
 * libs/events/frozen/<type>.json the first time the catalogue is generated (`crm events docs`),
 * and never rewritten: a unit test fails when a contract no longer matches its frozen schema, or
 * when a frozen type disappears. A breaking change ships `…v2` beside `…v1`.
 */
export const FROZEN_DIR = join(__dirname, '../frozen');

/** The payload schema as it is frozen: JSON Schema of what publishers may send, stable formatting. */
export function frozenSchemaText(c: EventContract): string {
  return `${JSON.stringify(z.toJSONSchema(c.schema, { io: 'input' }), null, 2)}\n`;
}

const fileOf = (type: string) => join(FROZEN_DIR, `${type}.json`);

/** What differs between the contracts and the frozen schemas (empty: nothing). */
export function frozenSchemaProblems(contracts: readonly EventContract[] = ALL_CONTRACTS): string[] {
  const problems: string[] = [];
  const types = new Set(contracts.map((c) => c.type));
  for (const c of contracts) {
    if (!existsSync(fileOf(c.type))) problems.push(`${c.type}: not frozen yet (run \`pnpm events:docs\` and commit libs/events/frozen/${c.type}.json)`);
    else if (readFileSync(fileOf(c.type), 'utf8') !== frozenSchemaText(c)) problems.push(`${c.type}: its schema changed after it was published; publish a new version (…v2) beside it instead`);
  }
  const frozen = existsSync(FROZEN_DIR) ? readdirSync(FROZEN_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)) : [];
  for (const type of frozen) if (!types.has(type)) problems.push(`${type}: a published type was removed; integrators may still consume it`);
  return problems;
}

/** Freezes the types that are not frozen yet; never rewrites a frozen one. Returns the types written. */
export function freezeNewSchemas(contracts: readonly EventContract[] = ALL_CONTRACTS): string[] {
  mkdirSync(FROZEN_DIR, { recursive: true });
  const written: string[] = [];
  for (const c of contracts) {
    if (existsSync(fileOf(c.type))) continue;
    writeFileSync(fileOf(c.type), frozenSchemaText(c));
    written.push(c.type);
  }
  return written;
}
