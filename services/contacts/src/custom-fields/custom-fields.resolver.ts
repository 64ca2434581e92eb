import { Args, Field, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ContactsPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { DefineCustomField } from './use-cases/define-custom-field.use-case';
import { CustomFieldQueries } from './custom-field.queries';
import { InputType, ObjectType, registerEnumType } from '../schema-scope';

enum CustomFieldKind {
  TEXT = 'text',
  NUMBER = 'number',
  DATE = 'date',
  BOOLEAN = 'boolean',
  ENUM = 'enum',
}
registerEnumType(CustomFieldKind, { name: 'CustomFieldType' });

@ObjectType()
class CustomFieldDefinition {
  @Field() key: string;
  @Field() label: string;
  @Field(() => CustomFieldKind) type: CustomFieldKind;
  @Field(() => [String]) options: string[];
}

@InputType()
class DefineCustomFieldInput {
  @Field() key: string;
  @Field() label: string;
  @Field(() => CustomFieldKind) type: CustomFieldKind;
  @Field(() => [String], { nullable: true, description: 'Allowed values of an enum field' }) options?: string[];
}

@Resolver()
export class CustomFieldsResolver {
  constructor(
    private readonly queries: CustomFieldQueries,
    private readonly defineField: DefineCustomField,
  ) {}

  // A list, not a connection: a tenant's configuration (a few dozen definitions), read whole by every form.
  @Query(() => [CustomFieldDefinition])
  @RequirePermission(ContactsPermission['contact.read'])
  customFieldDefinitions() {
    return this.queries.definitions(currentUser().tenantId);
  }

  @Mutation(() => CustomFieldDefinition, { description: 'Adds a typed custom field for every contact of the tenant (admin role).' })
  @RequirePermission(ContactsPermission['custom-field.define'])
  defineCustomField(@Args('input') input: DefineCustomFieldInput) {
    return this.defineField.execute(currentUser(), input);
  }
}
