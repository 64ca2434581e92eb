import { badUserInput } from '@crm/platform';

export type CustomFieldType = 'text' | 'number' | 'date' | 'boolean' | 'enum';
export interface CustomFieldDefinition {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
}

/**
 * Per-tenant custom fields: definitions are rows, values live in contacts.custom_fields (jsonb),
 * type-checked here — a new field needs no schema migration. Validates and converts input values;
 * returns the jsonb patch (null = remove).
 */
export function coerceCustomFields(defs: Map<string, CustomFieldDefinition>, values: { key: string; value: string | null }[]): Record<string, unknown> {
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
