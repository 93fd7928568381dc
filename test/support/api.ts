// Test harness: a real API instance on its own fresh database, and a GraphQL-over-HTTP client.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { startApi, type RunningApi } from '../../src/app/start';
import { forgetCachedKeys } from '../../src/auth/api-key.service';
import type { Mutation, Query } from './schema-types';

export const OPERATOR_KEY = `test-operator-${randomBytes(16).toString('hex')}`;

/**
 * The data of an answer as the schema describes it: every root field of Query and Mutation with its
 * generated type (test/support/schema-types.ts, `npm run codegen`). A test reads the fields it selected;
 * an answer with aliases or a special shape names its type explicitly: `t.gql<{ a: Offering | null }>(...)`.
 */
export type Answer = Query & Mutation;

/** A row of a direct SQL query; a test that reads into a column's value names the row type. */
export type Row = Record<string, unknown>;

/** `audit_event.changes` (AuditEvent.changes): snapshots of the changed fields. */
export interface AuditChanges {
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

export interface GqlError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}

export interface GqlResult<T = Answer> {
  status: number;
  headers: Headers;
  /** Absent or null when the request failed as a whole, or a non-null field failed. */
  data?: T | null;
  errors?: GqlError[];
}

/** Creates an empty database on the test server and returns its URL. */
export async function createDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL!;
  const name = `t_${process.env.JEST_WORKER_ID ?? 0}_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  return {
    url: admin.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: () => run(`drop database if exists ${name} with (force)`),
  };
}

export interface TestApi {
  api: RunningApi;
  url: string;
  databaseUrl: string;
  gql<T = Answer>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /** Runs SQL directly against the API's database (as the application's own role). */
  sql<R = Row>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.TEST_REDIS_URL,
    OPERATOR_API_KEY: OPERATOR_KEY,
    ...env,
  });
  const api = await startApi(config);
  const url = `http://127.0.0.1:${api.port}/graphql`;
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  return {
    api,
    url,
    databaseUrl: db.url,
    gql: (query, variables = {}, key = OPERATOR_KEY) => gql(url, query, variables, key),
    sql: async (text, params) => (await pg.query(text, params)).rows,
    async close() {
      await pg.end();
      await api.stop();
      forgetCachedKeys();
      await db.drop();
    },
  };
}

export async function gql<T = Answer>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key: string | null = OPERATOR_KEY,
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status' | 'headers'>;
  return { status: res.status, headers: res.headers, ...body };
}

/** The data of a response that must have no top-level errors. */
export function ok<T>(r: GqlResult<T>): T {
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors ?? r)}`);
  return r.data;
}

/** The single top-level error code of a response. */
export const errorCode = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
