export * from './on-event';
export * from './crm-event-context';
export * from './crm-event-transport';
export * from './module-migrations';
