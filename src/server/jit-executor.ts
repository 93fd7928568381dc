// Query execution compiled with graphql-jit, behind Apollo's gateway interface (its documented hook
// for a custom executor). graphql-js interprets a query anew at every request: for each field of each
// object it builds a resolve-info object and a path, checks for promises and looks up the field's
// definition. A listing of 50 offerings with 24 capacity months each is about 4,000 such steps; a
// compiled query is a plain function specialized to the document, about a third cheaper in CPU for
// such reads. Mutations and subscriptions stay on graphql-js (their cost is SQL, not execution),
// and so does any query graphql-jit refuses or fails on before running (invalid variables, unknown
// operation): graphql-js then produces the reference answer, errors included. test/jit.test.ts
// runs every saved and documented query both ways and compares the answers.
import { execute, GraphQLError, printSchema, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';

/**
 * Compiled queries by document (Apollo keeps one parsed document per query text) and operation name.
 * A query is compiled at its second run: compiling costs several executions' worth of CPU, which
 * one-off queries (explorer experiments, or a flood of distinct documents) should not pay.
 */
export function queryCompiler(schema: GraphQLSchema) {
  const cache = new WeakMap<DocumentNode, Map<string, CompiledQuery | null | 'seen once'>>();
  return (document: DocumentNode, operationName: string | null): CompiledQuery | null => {
    let byName = cache.get(document);
    if (!byName) cache.set(document, (byName = new Map()));
    const key = operationName ?? '';
    const entry = byName.get(key);
    if (entry === undefined) {
      byName.set(key, 'seen once');
      return null;
    }
    if (entry === 'seen once') {
      const compiled = compileQuery(schema, document, operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
      byName.set(key, isCompiledQuery(compiled) ? compiled : null);
      return byName.get(key) as CompiledQuery | null;
    }
    return entry;
  };
}

/**
 * graphql-jit's errors are frozen look-alikes of GraphQLError; plugins that rewrite messages (armor
 * hides suggestions) need the real class, with the same message, locations, path and cause.
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError, extensions: e.extensions });
  return Object.assign(error, { locations: e.locations });
}

export function jitExecutor(schema: GraphQLSchema): GatewayExecutor {
  const compiled = queryCompiler(schema);
  const interpret = (rc: GatewayGraphQLRequestContext) =>
    execute({
      schema,
      document: rc.document,
      contextValue: rc.context,
      variableValues: rc.request.variables,
      operationName: rc.operationName,
    });
  return async (rc) => {
    const query = rc.operation?.operation === 'query' ? compiled(rc.document, rc.operationName) : null;
    if (!query) return interpret(rc);
    const result = await query.query(undefined, rc.context, rc.request.variables ?? {});
    // No data at all means the request failed before execution (e.g. variables): the reference errors.
    if (result.data === undefined) return interpret(rc);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/** A fixed schema served through `jitExecutor` (Apollo's gateway mode, without any gateway). */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    load: async () => ({ executor: jitExecutor(schema) }),
    stop: async () => {},
  };
}
