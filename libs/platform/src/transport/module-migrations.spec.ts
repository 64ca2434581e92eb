import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { moduleMigrations, ModuleMigrations } from './module-migrations';

class LibraryTables1764000000100 {}
class OtherTables1764000000200 {}

@ModuleMigrations([LibraryTables1764000000100])
@Module({})
class LibraryModule {
  static forRoot(): DynamicModule {
    return { module: LibraryModule, imports: [NestedModule] };
  }
}

@ModuleMigrations([OtherTables1764000000200])
@Module({})
class NestedModule {}

@Module({ imports: [LibraryModule.forRoot()] })
class FeatureModule {}

@Module({ imports: [FeatureModule, LibraryModule.forRoot()] })
class ServiceModule {}

describe('moduleMigrations', () => {
  it('collects the migrations of every imported module (through forRoot and nested imports), each once', () => {
    expect(moduleMigrations([ServiceModule])).toEqual([LibraryTables1764000000100, OtherTables1764000000200]);
  });

  it('is empty for modules that bring none', () => {
    @Module({})
    class Plain {}
    expect(moduleMigrations([Plain])).toEqual([]);
  });
});
