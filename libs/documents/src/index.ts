export * from './fonts';
export * from './format';
export * from './issuer';
export * from './pdf';
