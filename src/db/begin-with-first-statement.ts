// A transaction's BEGIN travels with its first statement, as pgjdbc does: one write and one round
// trip to PostgreSQL instead of two, for every transaction of the API. Installed on each pooled
// `pg` client: the `BEGIN;` knex sends is answered at once and remembered; the next query on the
// client carries it. In the extended protocol (named or parameterized statements) BEGIN goes ahead
// of the statement before its Sync, so PostgreSQL runs both from one read and answers both in one
// write; a simple-protocol query (text only, perhaps several statements) gets BEGIN sent first and
// awaited, as before. A transaction that ends with no statement at all sends nothing.
import { Query, type Client, type QueryConfig } from 'pg';

type Callback = (err: Error | null, result?: unknown) => void;
interface Connection {
  parsedStatements: Record<string, string>;
  parse(m: { text: string; name: string; types: unknown[] }): void;
  bind(m: { portal: string; statement: string; values: unknown[] }): void;
  execute(m: { portal: string; rows: number }): void;
}
/** What `pg`'s Query does that its type declarations leave out. */
interface QueryInternals {
  name?: string;
  prepare(connection: Connection): void;
  hasBeenParsed(connection: Connection): boolean;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  handleError(err: Error, connection: Connection): void;
}
const PgQuery = Query as unknown as new (config: QueryConfig, values: unknown, callback: Callback) => QueryInternals;

/** A statement in the extended protocol with BEGIN ahead of it, both answered before one ReadyForQuery. */
class BeginThen extends PgQuery {
  private beginAnswered = false;
  private parsedBefore = false;

  prepare(connection: Connection) {
    this.parsedBefore = this.hasBeenParsed(connection);
    connection.parse({ text: 'BEGIN', name: '', types: [] });
    connection.bind({ portal: '', statement: '', values: [] });
    connection.execute({ portal: '', rows: 0 });
    super.prepare(connection);
  }

  handleCommandComplete(msg: unknown, connection: Connection) {
    if (this.beginAnswered) super.handleCommandComplete(msg, connection);
    else this.beginAnswered = true; // BEGIN's own completion: not part of the statement's result
  }

  handleError(err: Error, connection: Connection) {
    // pg records the statement as parsed on the first ParseComplete, which here is BEGIN's.
    if (this.name && !this.parsedBefore) delete connection.parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

const answered = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });
const textOf = (config: unknown) => (typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text);
/** Whether `pg` sends the query in the extended protocol (a single statement, Sync after it). */
function isExtended(config: unknown, values: unknown): config is QueryConfig | string {
  if (typeof config === 'string') return Array.isArray(values) && values.length > 0;
  if (typeof config !== 'object' || config === null || 'submit' in config) return false;
  const c = config as QueryConfig & { rows?: number; queryMode?: string };
  return !c.rows && (Boolean(c.name) || c.queryMode === 'extended' || ((Array.isArray(values) ? values : c.values)?.length ?? 0) > 0);
}

/** Calls `run` with a callback; returns a promise of the result when the caller passed none. */
function settle(callback: Callback | undefined, run: (cb: Callback) => void): Promise<unknown> | undefined {
  if (callback) return void run(callback);
  return new Promise((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result))));
}

export function sendBeginWithFirstStatement(client: Client): void {
  const send = client.query.bind(client) as (config: unknown, values?: unknown, callback?: Callback) => unknown;
  let pending = false;
  const replacement = (config: unknown, values?: unknown, callback?: Callback): unknown => {
    if (typeof values === 'function') [values, callback] = [undefined, values as Callback];
    const text = textOf(config);
    if (!pending) {
      if (text !== 'BEGIN;') return send(config, values, callback);
      pending = true;
      return settle(callback, (cb) => queueMicrotask(() => cb(null, answered('BEGIN'))));
    }
    pending = false;
    if (text === 'COMMIT;' || text === 'ROLLBACK') return settle(callback, (cb) => queueMicrotask(() => cb(null, answered(text))));
    if (isExtended(config, values)) return settle(callback, (cb) => send(new BeginThen(typeof config === 'string' ? { text: config } : config, values, cb)));
    return settle(callback, (cb) => send('BEGIN', (err: Error | null) => (err ? cb(err) : send(config, values, cb))));
  };
  (client as unknown as { query: typeof replacement }).query = replacement;
}
