import { defineSchemaScope } from '@crm/platform';

/**
 * The contacts module's GraphQL schema scope: every type of the subgraph is declared with these
 * decorators (lint forbids the unscoped ones from @nestjs/graphql), so in one process with other
 * modules (embedded mode) its schema takes only its own types. See kernel/schema-scope.ts.
 */
export const ContactsSchema = defineSchemaScope('contacts');
/** The marker class (ServiceDefinition.schemaScope; libraries' type factories take it). */
export const ContactsSchemaScope = ContactsSchema.marker;
export const { ObjectType, InputType, registerEnumType, Connection } = ContactsSchema;
