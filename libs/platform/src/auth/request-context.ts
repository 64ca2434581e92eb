// The token formats live in @crm/auth so the gateway and test tooling share them without the platform.
export * from '@crm/auth';
