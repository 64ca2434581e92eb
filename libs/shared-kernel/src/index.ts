export * from './money';
export * from './money.graphql';
export * from './date';
export * from './company-reference';
export * from './attribution';
export * from './input-fields';
