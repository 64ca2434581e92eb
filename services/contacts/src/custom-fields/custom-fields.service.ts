import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { badUserInput, conflict } from '@crm/platform';

export type CustomFieldType = 'text' | 'number' | 'date' | 'boolean' | 'enum';
export interface CustomFieldDefinition {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
}

/**
 * Per-tenant custom fields: definitions are rows, values live in contacts.custom_fields (jsonb),
 * type-checked here — a new field needs no schema migration.
 */
@Injectable()
export class CustomFieldsService {
  async definitions(m: EntityManager, tenantId: string): Promise<Map<string, CustomFieldDefinition>> {
    const rows = await m.query(`SELECT key, label, type, options FROM custom_field_definitions WHERE tenant_id = $1 ORDER BY key`, [tenantId]);
    return new Map(rows.map((r: CustomFieldDefinition) => [r.key, r]));
  }

  async define(m: EntityManager, tenantId: string, def: CustomFieldDefinition): Promise<CustomFieldDefinition> {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(def.key)) throw badUserInput('key must start with a letter and use only a-z, 0-9 and _ (max 63)');
    if (!def.label.trim() || def.label.length > 200) throw badUserInput('label must be 1-200 characters');
    if (def.type === 'enum' && def.options.length === 0) throw badUserInput('an enum field needs at least one option');
    if (def.type !== 'enum' && def.options.length) throw badUserInput('options are only allowed for enum fields');
    const rows = await m.query(
      `INSERT INTO custom_field_definitions (tenant_id, key, label, type, options) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key`,
      [tenantId, def.key, def.label, def.type, def.options],
    );
    if (!rows.length) throw conflict(`custom field "${def.key}" already exists`);
    return def;
  }

  /** Validates and converts input values; returns the jsonb patch (null = remove). */
  coerce(defs: Map<string, CustomFieldDefinition>, values: { key: string; value: string | null }[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { key, value } of values) {
      const def = defs.get(key);
      if (!def) {
        const known = [...defs.keys()];
        throw badUserInput(`unknown custom field "${key}"${known.length ? ` (defined: ${known.join(', ')})` : ' (no custom fields are defined; add one with defineCustomField)'}`, {
          fields: [{ field: `customFields.${key}`, message: 'unknown custom field' }],
        });
      }
      out[key] = value === null ? null : coerceValue(def, value);
    }
    return out;
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function coerceValue(def: CustomFieldDefinition, value: string): unknown {
  const fail = (expected: string) =>
    badUserInput(`custom field "${def.key}" expects ${expected}, got "${value.slice(0, 80)}"`, { fields: [{ field: `customFields.${def.key}`, message: `expected ${expected}` }] });
  switch (def.type) {
    case 'text':
      return value;
    case 'number': {
      // Decimal notation only: Number() would also take "0x10", "0b1" or "0o7" and store something else than was typed.
      const n = Number(value);
      if (!DECIMAL.test(value.trim()) || !Number.isFinite(n)) throw fail('a number');
      return n;
    }
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) throw fail('a date YYYY-MM-DD');
      return value;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw fail('true or false');
      return value === 'true';
    case 'enum':
      if (!def.options.includes(value)) throw fail(`one of ${def.options.join(', ')}`);
      return value;
  }
}

export function renderCustomFields(defs: Map<string, CustomFieldDefinition>, values: Record<string, unknown>) {
  return Object.entries(values)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([key, v]) => ({ key, type: defs.get(key)?.type ?? 'text', value: String(v) }));
}
