export { moduleGenerator, generateModule, readWorkspace } from './module/generator';
export { resolveModuleOptions, nextFreePort, ModuleOptionsError, type ModuleGeneratorSchema, type ModuleNames } from './module/options';
export { createModule, type CreatedModule } from './module/run';
