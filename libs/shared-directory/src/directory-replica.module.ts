import { type DynamicModule, Module } from '@nestjs/common';
import { ModuleMigrations } from '@crm/platform';
import { DirectoryReplica } from './directory-replica';
import { DirectoryReplicaEvents } from './directory-replica.events';
import { DirectoryReplicaTables1796200000011 } from './directory-replica.migration';

/**
 * `DirectoryReplicaModule.forRoot()` in a service's module imports: the `DirectoryReplica` (global,
 * so any context can inject it for owner checks, names and the tenant profile), its consumer
 * `<service>.directory-replica` on the contacts topic, and its tables (through ModuleMigrations).
 */
@ModuleMigrations([DirectoryReplicaTables1796200000011])
@Module({})
export class DirectoryReplicaModule {
  static forRoot(): DynamicModule {
    return {
      module: DirectoryReplicaModule,
      global: true,
      controllers: [DirectoryReplicaEvents],
      providers: [DirectoryReplica],
      exports: [DirectoryReplica],
    };
  }
}
