/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** A way to reach a contact. */
export type Channel =
  | 'EMAIL'
  | 'PHONE'
  | 'POST'
  | 'SMS'
  | 'SOCIAL';

export type DealStatus =
  | 'LOST'
  | 'OPEN'
  | 'WON';

export type Customer360QueryVariables = Exact<{
  search: string;
}>;


export type Customer360Query = { contacts: { edges: Array<{ node: { id: string, displayName: string, email: string | null, preferredChannels: Array<Channel>, deals: { totalCount: number, edges: Array<{ node: { title: string, status: DealStatus, amount: { amount: string, currency: string } } }> } | null, lifetimeValue: Array<{ amount: string, currency: string }> | null } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const Customer360Document = new TypedDocumentString(`
    query Customer360($search: String!) {
  contacts(first: 5, filter: {search: $search}) {
    edges {
      node {
        id
        displayName
        email
        preferredChannels
        deals(first: 3) {
          totalCount
          edges {
            node {
              title
              status
              amount {
                amount
                currency
              }
            }
          }
        }
        lifetimeValue {
          amount
          currency
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<Customer360Query, Customer360QueryVariables>;