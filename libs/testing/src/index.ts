export * from './infra';
export * from './graphql-client';
export * from './statements';
