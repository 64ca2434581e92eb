import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** Structured JSON logs (pretty only when a person watches a terminal in development). */
export function createLogger(service: string, level = 'info', pretty = false): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}

/** Routes NestJS's own logs through pino so every line has the same shape. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}
  log(message: unknown, context?: string) {
    this.pino.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    // Nest's ExceptionsHandler reports every error a resolver throws, including the expected
    // BAD_USER_INPUT / NOT_FOUND ones; the GraphQL metrics plugin logs the unexpected ones at error.
    if (context === 'ExceptionsHandler') this.pino.debug({ context, trace }, String(message));
    else this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
}
