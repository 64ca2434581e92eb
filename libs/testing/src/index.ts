export * from './infra';
export * from './graphql-client';
