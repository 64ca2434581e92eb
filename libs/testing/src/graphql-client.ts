import { INTERNAL_CONTEXT_HEADER, signInternalContext, signUserToken, type RequestContext, type UserProfileClaims } from '@crm/auth';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './infra';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[];
}

export async function postGraphql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlResult<T>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as GqlResult<T>;
  return { ...body, status: res.status };
}

/** Calls a subgraph directly as the gateway would, for a given tenant/user. */
export function subgraphClient(url: string, ctx: RequestContext, secret = TEST_INTERNAL_SECRET) {
  return <T = any>(query: string, variables: Record<string, unknown> = {}) =>
    postGraphql<T>(url, query, variables, { [INTERNAL_CONTEXT_HEADER]: signInternalContext(ctx, secret) });
}

/** Calls the gateway with a user token, exactly as a frontend does. */
export function gatewayClient(url: string, claims: { tenantId: string; userId?: string; roles?: string[]; profile?: UserProfileClaims }, secret = TEST_JWT_SECRET) {
  const token = signUserToken({ tenantId: claims.tenantId, userId: claims.userId ?? 'user-1', roles: claims.roles ?? ['admin'], profile: claims.profile }, secret);
  return <T = any>(query: string, variables: Record<string, unknown> = {}) => postGraphql<T>(url, query, variables, { authorization: `Bearer ${token}` });
}

/** Throws with the GraphQL errors if the call failed; returns data otherwise. */
export function dataOf<T>(r: GqlResult<T>): T {
  if (r.errors?.length || !r.data) throw new Error(`GraphQL call failed (${r.status}): ${JSON.stringify(r.errors)}`);
  return r.data;
}
