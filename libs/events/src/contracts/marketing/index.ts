export * from './segment-created.v1';
