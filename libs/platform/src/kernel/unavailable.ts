/**
 * Is this error the database (or the pool in front of it) being unreachable rather than a bug?
 * Such errors are answered as SERVICE_UNAVAILABLE — retryable, documented, and never with the
 * internal host and port the driver puts in its message.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE: 08xxx connection exceptions, 57P01-57P03 shutdown / cannot connect now, 53300 too many connections.
const SQLSTATE = /^(08...|57P0[123]|53300)$/;
const MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /Client has encountered a connection error/i, /the database system is (starting up|shutting down)/i];

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as Record<string, any> | undefined, hops = 0; e && hops < 6; hops++) {
    const code = e.code ?? e.driverError?.code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e!.message))) return true;
    if (Array.isArray(e.errors) && e.errors.some((x: unknown) => isDatabaseUnavailable(x))) return true;
    // `thrown`: graphql-js wraps a thrown non-Error (pg throws plain objects on connect) in NonErrorThrown.
    e = e.originalError ?? e.driverError ?? e.thrownValue ?? e.cause;
  }
  return false;
}

/** What a client may wait before retrying a SERVICE_UNAVAILABLE answer. */
export const RETRY_AFTER_SECONDS = 2;
