// The SWC settings of the production build (tools/build/build.js) and of the `crm` command's
// compile cache (tools/cli/bin/ts-runtime.js), the same as jest.preset.js and @swc-node/register use
// in development: legacy decorators with emitted metadata, because NestJS and TypeORM read
// constructor parameter types at run time.
module.exports = function swcOptions({ sourceMaps }) {
  return {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps,
  };
};
