import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ModuleMigrations } from '@crm/platform';
import { CompanyReplica } from './company-replica';
import { CompanyReplica1796200000001 } from './company-replica.migration';
import { ContactReplica, type ContactReplicaHooks } from './contact-replica';
import { ContactReplicaEvents } from './contact-replica.events';
import { ContactReplicaTables1764000000100 } from './contact-replica.migration';
import { ContactReplicaArchive1772000000100 } from './contact-replica-archive.migration';
import { ContactReplicaReach1796160000000 } from './contact-replica-reach.migration';

export interface ContactReplicaModuleOptions {
  /**
   * What contact changes, merges, erasures and company merges mean for this module: a class implementing ContactReplicaHooks,
   * instantiated by this module (so it may inject only global providers: the platform's).
   */
  hooks?: Type<ContactReplicaHooks>;
}

const CONTACT_REPLICA_HOOKS = Symbol('CONTACT_REPLICA_HOOKS');

/**
 * `ContactReplicaModule.forRoot({ hooks: ContactLifecycle })` in a service's module imports: the
 * `ContactReplica` and `CompanyReplica` (global, so any module can inject them for queries), its consumer
 * `<service>.contact-replica` on the contacts topic (ContactReplicaEvents), and its table (the
 * service's migrations include it through ModuleMigrations).
 */
@ModuleMigrations([ContactReplicaTables1764000000100, ContactReplicaArchive1772000000100, ContactReplicaReach1796160000000, CompanyReplica1796200000001])
@Module({})
export class ContactReplicaModule {
  static forRoot(options: ContactReplicaModuleOptions = {}): DynamicModule {
    return {
      module: ContactReplicaModule,
      global: true,
      controllers: [ContactReplicaEvents],
      providers: [
        options.hooks ? { provide: CONTACT_REPLICA_HOOKS, useClass: options.hooks } : { provide: CONTACT_REPLICA_HOOKS, useValue: {} },
        { provide: ContactReplica, useFactory: (hooks: ContactReplicaHooks) => new ContactReplica(hooks), inject: [CONTACT_REPLICA_HOOKS] },
        { provide: CompanyReplica, useValue: new CompanyReplica() },
      ],
      exports: [ContactReplica, CompanyReplica],
    };
  }
}
