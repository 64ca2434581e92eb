import { Args, Field, InputType, Mutation, ObjectType, Query, Resolver, registerEnumType } from '@nestjs/graphql';
import { ContactsPermission } from '../permissions';
import { DataSource } from 'typeorm';
import { CustomFieldDefinedV1 } from '@crm/events';
import { currentUser, EventPublisher, withTenant, RequirePermission } from '@crm/platform';
import { CustomFieldsService, type CustomFieldType } from './custom-fields.service';
import { ContactsSchemaScope } from '../schema-scope';

enum CustomFieldKind {
  TEXT = 'text',
  NUMBER = 'number',
  DATE = 'date',
  BOOLEAN = 'boolean',
  ENUM = 'enum',
}
registerEnumType(CustomFieldKind, { registerIn: ContactsSchemaScope, name: 'CustomFieldType' });

@ObjectType({ registerIn: ContactsSchemaScope })
class CustomFieldDefinition {
  @Field() key: string;
  @Field() label: string;
  @Field(() => CustomFieldKind) type: CustomFieldKind;
  @Field(() => [String]) options: string[];
}

@InputType({ registerIn: ContactsSchemaScope })
class DefineCustomFieldInput {
  @Field() key: string;
  @Field() label: string;
  @Field(() => CustomFieldKind) type: CustomFieldKind;
  @Field(() => [String], { nullable: true, description: 'Allowed values of an enum field' }) options?: string[];
}

@Resolver()
export class CustomFieldsResolver {
  constructor(
    private readonly ds: DataSource,
    private readonly fields: CustomFieldsService,
    private readonly events: EventPublisher,
  ) {}

  // A list, not a connection: a tenant's configuration (a few dozen definitions), read whole by every form.
  @Query(() => [CustomFieldDefinition])
  @RequirePermission(ContactsPermission['contact.read'])
  async customFieldDefinitions() {
    const { tenantId } = currentUser();
    return [...(await withTenant(this.ds, tenantId, (m) => this.fields.definitions(m, tenantId))).values()];
  }

  @Mutation(() => CustomFieldDefinition, { description: 'Adds a typed custom field for every contact of the tenant (admin role).' })
  @RequirePermission(ContactsPermission['custom-field.define'])
  defineCustomField(@Args('input') input: DefineCustomFieldInput) {
    const { tenantId } = currentUser();
    return withTenant(this.ds, tenantId, async (m) => {
      const def = await this.fields.define(m, tenantId, { key: input.key, label: input.label, type: input.type as CustomFieldType, options: input.options ?? [] });
      await this.events.emit(m, tenantId, [{ type: CustomFieldDefinedV1.type, subject: def.key, data: def }]);
      return def;
    });
  }
}
