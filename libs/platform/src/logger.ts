import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * How logs are written: LOG_FORMAT=json|pretty when set; otherwise pretty only for a person at a terminal
 * in development (stdout is a TTY and NODE_ENV is not production), JSON everywhere else — containers,
 * pipes, files and log shippers get one JSON object per line.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, stdoutIsTTY: boolean = process.stdout.isTTY === true): LogFormat {
  const forced = env.LOG_FORMAT?.trim().toLowerCase();
  if (forced === 'json' || forced === 'pretty') return forced;
  if (forced) throw new Error(`LOG_FORMAT must be json or pretty, not "${env.LOG_FORMAT}"`);
  return stdoutIsTTY && env.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

// pino-pretty is a development dependency: production outputs do not carry it.
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Structured logs, JSON or pretty as logFormat() decides. `format` (a format, or the old "pretty?" flag)
 * is the caller's default; LOG_FORMAT still overrides it.
 */
export function createLogger(service: string, level = 'info', format?: LogFormat | boolean): Logger {
  const fallback = typeof format === 'boolean' ? (format ? 'pretty' : 'json') : format;
  let chosen = process.env.LOG_FORMAT || !fallback ? logFormat() : fallback;
  if (chosen === 'pretty' && !prettyPrinterInstalled()) {
    process.stderr.write(`${service}: pretty logs need pino-pretty (a development dependency); logging JSON\n`);
    chosen = 'json';
  }
  return pino({
    name: service,
    level,
    base: { service },
    // Loaded by name in pino's transport worker, so only a pretty logger ever loads pino-pretty.
    ...(chosen === 'pretty' ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
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
