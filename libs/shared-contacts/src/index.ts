export * from './normalise';
export * from './contact-reference';
export * from './replica/reachability';
export * from './replica/contact-replica';
export * from './replica/contact-replica.migration';
export * from './replica/contact-replica-archive.migration';
export * from './replica/contact-replica.module';
export * from './replica/contact-replica.events';
