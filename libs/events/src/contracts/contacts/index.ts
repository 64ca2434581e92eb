export * from './contact-created.v1';
export * from './contact-updated.v1';
export * from './contact-merged.v1';
export * from './contact-erased.v1';
export * from './interaction-logged.v1';
export * from './company-upserted.v1';
export * from './custom-field-defined.v1';
