import { Injectable } from '@nestjs/common';
import type { Row, Tx } from '@crm/platform';
import type { CustomFieldDefinition, CustomFieldType } from './custom-field.values';

interface CustomFieldDefinitionRow extends Row {
  key: string;
  label: string;
  type: CustomFieldType;
  options: string[];
}

/** SQL of the tenant's custom field definitions (the values live in contacts.custom_fields). */
@Injectable()
export class CustomFieldRepository {
  async definitions(tx: Tx): Promise<Map<string, CustomFieldDefinition>> {
    const rows = await tx.query<CustomFieldDefinitionRow>(`SELECT key, label, type, options FROM custom_field_definitions WHERE tenant_id = $1 ORDER BY key`, [tx.tenantId]);
    return new Map(rows.map((r) => [r.key, { key: r.key, label: r.label, type: r.type, options: r.options }]));
  }

  /** False when the key is already defined. */
  async insert(tx: Tx, def: CustomFieldDefinition): Promise<boolean> {
    const rows = await tx.query<{ key: string }>(
      `INSERT INTO custom_field_definitions (tenant_id, key, label, type, options) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING key`,
      [tx.tenantId, def.key, def.label, def.type, def.options],
    );
    return rows.length > 0;
  }
}
