import { CustomFieldDefinedV1 } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { CustomFieldDefinition } from './custom-field.values';

export function emitCustomFieldDefined(tx: Tx, def: CustomFieldDefinition): Promise<void> {
  return tx.emit(CustomFieldDefinedV1, def.key, { key: def.key, label: def.label, type: def.type, options: def.options });
}
