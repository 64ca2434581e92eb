import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// The module packages, from their manifests (services/<name>/package.json with a "crm" key): the
// tools may run any of them in-process, so the list is never written here.
const modulePackages = readdirSync(new URL('./services', import.meta.url), { withFileTypes: true })
  .map((d) => new URL(`./services/${d.name}/package.json`, import.meta.url))
  .filter((f) => existsSync(f))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')))
  .filter((pkg) => pkg.crm)
  .map((pkg) => pkg.name);
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
          allow: [...modulePackages, '@crm/gateway'],
          // The CLI's entry loads the platform lazily for the commands that need it alone (fast --help); the
          // commands themselves import it statically. Seen since the project graph reads imports (@nx/js).
          checkDynamicDependenciesExceptions: ['@crm/platform'],
          depConstraints: [{ sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:service', 'type:gateway'] }],
        },
      ],
    },
  },
  {
    // A GraphQL type of a module is declared with its module's schema-scope decorators
    // (services/<m>/src/schema-scope.ts), so it cannot leak into another module's schema in one process.
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/graphql',
              importNames: ['ObjectType', 'InputType', 'InterfaceType', 'registerEnumType', 'createUnionType'],
              message: "Declare GraphQL types with the module's scope: import { ObjectType, InputType, registerEnumType } from '../schema-scope'.",
            },
            { name: '@crm/platform', importNames: ['Connection'], message: "Use the module's scoped Connection from '../schema-scope'." },
          ],
        },
      ],
      'no-restricted-syntax': ['error', { selector: "Property[key.name='registerIn']", message: "Use the module's schema-scope decorators instead of registerIn." }],
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
