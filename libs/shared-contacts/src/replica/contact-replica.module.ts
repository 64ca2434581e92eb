import { type DynamicModule, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ConsumerRegistry, SERVICE_INFO, type ServiceInfo } from '@crm/platform';
import { ContactReplica, type ContactReplicaHooks } from './contact-replica';

export interface ContactReplicaModuleOptions extends ContactReplicaHooks {
  maxAttempts?: number;
  retryBackoffMs?: number;
}

export const CONTACT_REPLICA_OPTIONS = Symbol('CONTACT_REPLICA_OPTIONS');

/** Registers the replica's consumer with the platform; the platform starts it after boot. */
@Injectable()
export class ContactReplicaConsumerRegistration implements OnModuleInit {
  constructor(
    private readonly registry: ConsumerRegistry,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly replica: ContactReplica,
    @Inject(CONTACT_REPLICA_OPTIONS) private readonly options: ContactReplicaModuleOptions,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      this.replica.consumerSpec({
        service: this.info.name,
        topicPrefix: this.info.topicPrefix,
        maxAttempts: this.options.maxAttempts,
        retryBackoffMs: this.options.retryBackoffMs,
      }),
    );
  }
}

/**
 * `ContactReplicaModule.forRoot({ onMerge, onErase })` in a service's module list: provides the
 * `ContactReplica` (global, so any module can inject it for queries or add hooks with
 * `replica.onMerge(...)` in its onModuleInit) and registers the consumer `<service>.contact-replica`
 * on the contacts topic. Needs the PlatformModule (ConsumerRegistry, SERVICE_INFO) and the
 * ContactReplicaTables migration.
 */
@Module({})
export class ContactReplicaModule {
  static forRoot(options: ContactReplicaModuleOptions = {}): DynamicModule {
    return {
      module: ContactReplicaModule,
      global: true,
      providers: [
        { provide: CONTACT_REPLICA_OPTIONS, useValue: options },
        { provide: ContactReplica, useFactory: () => new ContactReplica(options) },
        ContactReplicaConsumerRegistration,
      ],
      exports: [ContactReplica],
    };
  }
}
