// `pnpm test:new-module` (CI: .ci/run): generates a module into a throwaway git worktree and proves it
// there — kept out of `pnpm test` because it takes minutes (a pnpm install, tsc, three test runs).
module.exports = {
  rootDir: __dirname,
  transform: require('../../jest.preset').transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/generator/**/*.gen-spec.ts'],
  globalSetup: require('node:path').join(__dirname, '../../libs/testing/jest/global-setup.js'),
  testTimeout: 600000,
};
