import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import type { RequestContext } from '../auth/request-context';
import { fromZodIssues } from '../errors';
import { SERVICE_INFO } from '../tokens';
import type { ServiceInfo } from '../service-info';
import { inTenantTx, type Tx, TxEmitter } from './tx';

/**
 * The service's way into its database: `run(tenantId, tx => …)` is one connection, one
 * transaction bound to the tenant, events written to the outbox in it. Use cases, consumers and
 * schedulers all go through it.
 */
@Injectable()
export class UnitOfWork {
  private readonly emitter: TxEmitter;
  constructor(
    private readonly ds: DataSource,
    @Inject(SERVICE_INFO) info: ServiceInfo,
  ) {
    this.emitter = new TxEmitter(info);
  }

  run<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return inTenantTx(this.ds, tenantId, fn, this.emitter);
  }
}

/**
 * A use case declared once: its input schema and its work. The platform parses the input (every
 * bad field in one BAD_USER_INPUT, `extensions.fields`), opens the tenant transaction and hands the
 * work a typed Tx; authorization is declared on the operation and enforced before (OperationGuard).
 */
export interface UseCase<S extends z.ZodType, O> {
  /** `<verb><Noun>`, e.g. createDeal — also the GraphQL operation's name where it has one. */
  name: string;
  input: S;
  /** Where input field paths start (`input` → `input.title`). */
  inputPath?: string;
  run(tx: Tx, input: z.output<S>, ctx: RequestContext): Promise<O>;
}

export function defineUseCase<S extends z.ZodType, O>(u: UseCase<S, O>): UseCase<S, O> {
  return u;
}

/** Parses raw input against a use case's schema; BAD_USER_INPUT listing every bad field otherwise. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, path = 'input'): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw fromZodIssues(r.error.issues, path);
  return r.data;
}

/** Runs a declared use case for the caller: validate, then one tenant transaction. */
export async function execute<S extends z.ZodType, O>(uow: UnitOfWork, u: UseCase<S, O>, ctx: RequestContext, raw: unknown): Promise<O> {
  const input = parseInput(u.input, raw, u.inputPath ?? 'input');
  return uow.run(ctx.tenantId, (tx) => u.run(tx, input, ctx));
}
