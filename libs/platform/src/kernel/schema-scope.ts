import type { Type } from '@nestjs/common';
import {
  InputType as NestInputType,
  ObjectType as NestObjectType,
  registerEnumType as nestRegisterEnumType,
  type EnumOptions,
  type InputTypeOptions,
  type ObjectTypeOptions,
} from '@nestjs/graphql';
import type { ConnectionValue } from '../pagination';
import { Connection as ConnectionOf } from './connection';

type Scoped<O> = Omit<O, 'registerIn'>;

/**
 * A module's GraphQL schema scope. @nestjs/graphql keeps code-first types in one process-wide
 * store; with several modules in one process (embedded mode, the subset matrix) each schema must
 * take only its own module's types, so every type is registered in its module's marker class.
 * Instead of writing `registerIn:` on every declaration, a module declares its types with the
 * decorators of its scope (`services/<m>/src/schema-scope.ts`); lint forbids the unscoped ones
 * from `@nestjs/graphql` in services, so a type cannot escape its module.
 */
export interface SchemaScope {
  /** The marker class (ServiceDefinition.schemaScope; `includeModules` of the schema build). */
  readonly marker: Function;
  ObjectType(options?: Scoped<ObjectTypeOptions>): ClassDecorator;
  ObjectType(name: string, options?: Scoped<ObjectTypeOptions>): ClassDecorator;
  InputType(options?: Scoped<InputTypeOptions>): ClassDecorator;
  InputType(name: string, options?: Scoped<InputTypeOptions>): ClassDecorator;
  registerEnumType<T extends object>(enumRef: T, options: Scoped<EnumOptions<T>>): void;
  /** The one list shape (kernel/connection.ts) in this scope. */
  Connection<N>(node: Type<N>, options?: { name?: string; description?: string; countDescription?: string }): Type<ConnectionValue<N>>;
}

export function defineSchemaScope(module: string): SchemaScope {
  // A named class, so schema-build errors and debugging say which module a type belongs to.
  const marker = { [`${module}SchemaScope`]: class {} }[`${module}SchemaScope`];
  const split = <O extends object>(a?: string | Scoped<O>, b?: Scoped<O>): [string | undefined, O] =>
    typeof a === 'string' ? [a, { ...(b ?? {}), registerIn: marker } as O] : [undefined, { ...(a ?? {}), registerIn: marker } as O];
  return {
    marker,
    ObjectType(a?: string | Scoped<ObjectTypeOptions>, b?: Scoped<ObjectTypeOptions>): ClassDecorator {
      const [name, options] = split<ObjectTypeOptions>(a, b);
      return name ? NestObjectType(name, options) : NestObjectType(options);
    },
    InputType(a?: string | Scoped<InputTypeOptions>, b?: Scoped<InputTypeOptions>): ClassDecorator {
      const [name, options] = split<InputTypeOptions>(a, b);
      return name ? NestInputType(name, options) : NestInputType(options);
    },
    registerEnumType(enumRef, options) {
      nestRegisterEnumType(enumRef, { ...options, registerIn: marker });
    },
    Connection(node, options) {
      return ConnectionOf(node, marker, options);
    },
  };
}
