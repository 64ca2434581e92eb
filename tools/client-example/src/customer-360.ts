import { graphql } from './gql';
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import type { TypedDocumentString } from './gql/graphql';

/**
 * A frontend's customer-360 view in one query through the gateway, typed end to end: the
 * operation is checked against schema/api.graphql by the code generator, and its result and
 * variables types come from it (a misspelt field or a wrong variable fails `pnpm typecheck`).
 */
export const Customer360 = graphql(`
  query Customer360($search: String!) {
    contacts(first: 5, filter: { search: $search }) {
      edges {
        node {
          id
          displayName
          email
          preferredChannels
          deals(first: 3) { totalCount edges { node { title status amount { amount currency } } } }
          lifetimeValue { amount currency }
        }
      }
    }
  }
`);

export type Customer360Result = ResultOf<typeof Customer360>;

/** POSTs a typed operation to the gateway with the user's token. */
export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  opts: { url: string; token: string },
): Promise<R> {
  const res = await fetch(opts.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await res.json()) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  return body.data as R;
}

/** Names and lifetime value of the contacts matching `search` (the typed result needs no casts). */
export async function customerSummaries(search: VariablesOf<typeof Customer360>['search'], opts: { url: string; token: string }): Promise<string[]> {
  const data = await request(Customer360, { search }, opts);
  return data.contacts.edges.map(({ node }) => `${node.displayName}: ${(node.lifetimeValue ?? []).map((m) => `${m.amount} ${m.currency}`).join(', ') || 'no purchases'}`);
}
