export * from './topics';
export * from './envelope';
export * from './contract';
export * from './registry';
export * from './asyncapi';
export * from './contracts/common';
export * from './contracts/contacts';
export * from './contracts/sales';
