/** The network-level cause under Node's generic "fetch failed" (ECONNREFUSED, ENOTFOUND, …). */
function causeCode(err: Error): string | undefined {
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.find((e) => e.code)?.code;
}

/**
 * Calls the gateway; when nothing answers, says which URL was tried and what to do instead of
 * Node's bare "fetch failed".
 */
export async function fetchGateway(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const code = causeCode(err as Error);
    throw new Error(
      `cannot reach the gateway at ${url}${code ? ` (${code})` : ''}: start the CRM first (\`pnpm start\`, or \`pnpm nx serve gateway\` with its modules), ` +
        'or point --gateway (or CRM_GATEWAY_URL) at a running gateway',
    );
  }
  if (!(res.headers.get('content-type') ?? '').includes('json')) {
    throw new Error(`${url} answered HTTP ${res.status} without a GraphQL response: is it the gateway's /graphql URL? (set --gateway or CRM_GATEWAY_URL)`);
  }
  return res;
}

/** The one line `crm:` prints for an error nobody explained earlier. */
export function explainError(err: Error): string {
  if (err.message === 'fetch failed') return `a network request failed (${causeCode(err) ?? 'no answer'}): is the service it calls running?`;
  return err.message;
}
