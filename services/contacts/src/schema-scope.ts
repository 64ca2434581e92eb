/** Every GraphQL type of the contacts subgraph is registered in this scope (see ServiceDefinition.schemaScope). */
export class ContactsSchemaScope {}
