export * from './directory-replica';
export * from './directory-replica.migration';
export * from './directory-replica.events';
export * from './directory-replica.module';
export * from './directory-tenant-profiles';
