import { defineSchemaScope } from '@crm/platform';

/**
 * The marketing module's GraphQL schema scope: every type of the subgraph is declared with these
 * decorators (lint forbids the unscoped ones from @nestjs/graphql), so in one process with other
 * modules (embedded mode) its schema takes only its own types. See kernel/schema-scope.ts.
 */
export const MarketingSchema = defineSchemaScope('marketing');
/** The marker class (ServiceDefinition.schemaScope; libraries' type factories take it). */
export const MarketingSchemaScope = MarketingSchema.marker;
export const { ObjectType, InputType, registerEnumType, Connection } = MarketingSchema;
