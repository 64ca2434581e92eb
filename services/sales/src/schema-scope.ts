/** Every GraphQL type of the sales subgraph is registered in this scope (see ServiceDefinition.schemaScope). */
export class SalesSchemaScope {}
