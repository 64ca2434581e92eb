// Shared Jest setup: SWC compiles TypeScript with decorator metadata (NestJS DI needs it),
// unit specs (*.spec.ts, no infrastructure) and integration specs (test/*.int-spec.ts,
// real Postgres + Kafka) are separate Jest projects so either can run alone.
const path = require('node:path');

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        target: 'es2023',
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

function projectConfig(rootDir, { integration = true } = {}) {
  const common = { rootDir, transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };
  const projects = [{ ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] }];
  if (integration) {
    projects.push({
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalSetup: path.join(__dirname, 'libs/testing/jest/global-setup.js'),
    });
  }
  // testTimeout is a global option (ignored inside a project): integration tests wait on real I/O.
  return { projects, maxWorkers: process.env.JEST_MAX_WORKERS ?? 2, testTimeout: 120000 };
}

module.exports = { projectConfig, transform };
