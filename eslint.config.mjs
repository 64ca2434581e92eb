import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import jsoncParser from 'jsonc-eslint-parser';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.crm/**', '**/*.js', '**/*.mjs', 'docs/**', 'tools/client-example/src/gql/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // TypeORM and NestJS APIs take class constructors typed as Function.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // A service may import libs, never another service; libs never import services or the gateway.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:gateway', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:service', 'type:gateway'] },
          ],
        },
      ],
    },
  },
  {
    // The CLI, the end-to-end tests and the benchmarks run deployable modules in-process; services themselves never import each other.
    files: ['tools/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: ['@crm/contacts', '@crm/sales', '@crm/marketing', '@crm/support', '@crm/loyalty', '@crm/gateway'],
          // The CLI's entry loads the platform lazily for the commands that need it alone (fast --help); the
          // commands themselves import it statically. Seen since the project graph reads imports (@nx/js).
          checkDynamicDependenciesExceptions: ['@crm/platform'],
          depConstraints: [{ sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:service', 'type:gateway'] }],
        },
      ],
    },
  },
  {
    // Each package declares what its production code imports (checked against the Nx project graph of the
    // project's build inputs, specs and test/ excluded), so `pnpm deploy --prod` gives every image exactly its
    // own dependency closure. Only projects with a build target are checked.
    files: ['**/package.json'],
    languageOptions: { parser: jsoncParser },
    plugins: { '@nx': nx },
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          // @as-integrations/express5: loaded by name by @nestjs/apollo, never imported by our code; the platform
          // declares it so a module's production output has it. pino-pretty: the platform looks for it and uses it
          // only for pretty logs in development, so it is a devDependency and absent from production outputs.
          ignoredDependencies: ['@as-integrations/express5', 'pino-pretty'],
        },
      ],
    },
  },
);
