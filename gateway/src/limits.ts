import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { RequestHandler } from 'express';
import { GraphQLError, Lexer, Source, TokenKind, type ValidationContext } from 'graphql';
import { claimedOperationName, localsOf } from './context';
import { jsonError } from './errors';
import type { GatewayMetrics } from './metrics';

/** Query limits (MAX_* in config.ts). Rate limits are in rate-limit.ts. */
export interface GatewayLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Default 2000. */
  maxTokens?: number;
  /** Default 50. */
  maxDirectives?: number;
}

/** graphql-armor reporter: a readable message (armor prefixes "Syntax Error:") and our own code. */
function rejectWith(code: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, err: GraphQLError) => {
        ctx?.reportError(new GraphQLError(err.message.replace(/^Syntax Error:\s*/, ''), { extensions: { code, crmLimit: code } }));
      },
    ],
  };
}

/** Depth, alias, cost and directive limits as Apollo validation rules and plugins (graphql-armor). */
export function queryLimits(limits: GatewayLimits, production: boolean) {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...rejectWith('QUERY_TOO_DEEP') },
    maxAliases: { n: limits.maxAliases, ...rejectWith('TOO_MANY_ALIASES') },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, ...rejectWith('QUERY_TOO_COSTLY') },
    maxDirectives: { n: limits.maxDirectives ?? 50, ...rejectWith('TOO_MANY_DIRECTIVES') },
    // armor's token limit throws from a parser hook, which Apollo turns into a 500: see tokenLimit() instead.
    maxTokens: { enabled: false },
    // Suggestions ("Did you mean …") help developers; in production they leak the schema.
    blockFieldSuggestion: { enabled: production },
  });
  return armor.protect();
}

/** Counts lexical tokens up to `max + 1` (comments excluded); undefined if the text does not lex (the parser will say why). */
function countTokens(query: string, max: number): number | undefined {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > max) break;
    }
  } catch {
    return undefined;
  }
  return count;
}

/** Rejects documents with more than `max` tokens before anything parses or validates them (400, TOO_MANY_TOKENS). */
export function tokenLimit(max: number, metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const body = (req.method === 'GET' ? req.query : req.body) as { query?: unknown; operationName?: unknown } | undefined;
    if (typeof body?.query !== 'string') return next();
    const count = countTokens(body.query, max);
    if (count === undefined || count <= max) return next();
    const operationName = claimedOperationName(body);
    localsOf(res).operationName = operationName;
    metrics.errors.inc({ operation_name: metrics.operationLabel(operationName), code: 'TOO_MANY_TOKENS' });
    jsonError(res, 400, 'TOO_MANY_TOKENS', `Token limit of ${max} exceeded: the query has more than ${max} tokens; split it into smaller operations`);
  };
}
