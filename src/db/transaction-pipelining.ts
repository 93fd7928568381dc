// Fewer round trips per transaction, installed on each pooled `pg` client:
// - BEGIN travels with the transaction's first statement, as pgjdbc does. The `BEGIN;` knex sends is
//   answered at once and remembered; the next query on the client carries it.
// - COMMIT can travel with the transaction's last statement (`{ commit: true }` on db/prepared's
//   statements): the code that knows no statement follows says so, and the COMMIT knex sends
//   afterwards is answered at once.
// Both go in the extended protocol ahead of, or after, the statement and before its Sync, so
// PostgreSQL runs them from one read and answers in one write. Any other first query (text only,
// perhaps several statements) gets BEGIN sent first and awaited, as before. A transaction without
// statements sends nothing.
import { Query, type Client, type QueryConfig } from 'pg';

type Callback = (err: Error | null, result?: unknown) => void;
interface Connection {
  parsedStatements: Record<string, string>;
  parse(m: { text: string; name: string; types: unknown[] }): void;
  bind(m: { portal: string; statement: string; values: unknown[] }): void;
  execute(m: { portal: string; rows: number | undefined }): void;
  sync(): void;
}
/** What `pg`'s Query does that its type declarations leave out. */
interface QueryInternals {
  name?: string;
  portal: string;
  prepare(connection: Connection): void;
  hasBeenParsed(connection: Connection): boolean;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  handleError(err: Error, connection: Connection): void;
}
const PgQuery = Query as unknown as new (config: QueryConfig, values: unknown, callback: Callback) => QueryInternals;

/** Query config flag: COMMIT goes with this statement, which must be the transaction's last. */
export interface ThenCommit {
  thenCommit?: boolean;
}

function sendUnnamed(connection: Connection, text: string) {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}

/** A statement in the extended protocol with BEGIN ahead of it and/or COMMIT after it, all before one Sync. */
class Pipelined extends PgQuery {
  private completions = 0;
  private parsedBefore = false;

  constructor(config: QueryConfig, values: unknown, callback: Callback, private readonly begin: boolean, private readonly commit: boolean) {
    super(config, values, callback);
  }

  prepare(connection: Connection) {
    this.parsedBefore = this.hasBeenParsed(connection);
    if (this.begin) sendUnnamed(connection, 'BEGIN');
    super.prepare(connection); // ends with _getRows
  }

  _getRows(connection: Connection, rows: number | undefined) {
    connection.execute({ portal: this.portal, rows });
    if (this.commit) sendUnnamed(connection, 'COMMIT');
    connection.sync();
  }

  handleCommandComplete(msg: unknown, connection: Connection) {
    // BEGIN's and COMMIT's completions are not part of the statement's result.
    const own = this.completions++ === (this.begin ? 1 : 0);
    if (own) super.handleCommandComplete(msg, connection);
  }

  handleError(err: Error, connection: Connection) {
    // pg records the statement as parsed on the first ParseComplete, which may be BEGIN's.
    if (this.begin && this.name && !this.parsedBefore) delete connection.parsedStatements[this.name];
    super.handleError(err, connection);
  }
}

const answered = (command: string) => ({ command, rowCount: null, oid: null, rows: [], fields: [] });
const textOf = (config: unknown) => (typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text);

/** A named or parameterized query config: one statement that `pg` sends in the extended protocol. */
function isExtended(config: unknown, values: unknown): config is QueryConfig {
  if (typeof config !== 'object' || config === null || 'submit' in config) return false;
  const c = config as QueryConfig & { rows?: number };
  return !c.rows && (Boolean(c.name) || ((Array.isArray(values) ? values : c.values)?.length ?? 0) > 0);
}

/** Calls `run` with a callback; returns a promise of the result when the caller passed none. */
function settle(callback: Callback | undefined, run: (cb: Callback) => void): Promise<unknown> | undefined {
  if (callback) return void run(callback);
  return new Promise((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result))));
}
const answer = (callback: Callback | undefined, result: unknown, err: Error | null = null) => settle(callback, (cb) => queueMicrotask(() => cb(err, result)));

export function pipelineTransactions(client: Client): void {
  const send = client.query.bind(client) as (config: unknown, values?: unknown, callback?: Callback) => unknown;
  /** BEGIN not sent yet, or COMMIT already sent with the last statement. */
  let state: 'none' | 'begin pending' | 'committed' = 'none';
  const replacement = (config: unknown, values?: unknown, callback?: Callback): unknown => {
    if (typeof values === 'function') [values, callback] = [undefined, values as Callback];
    const text = textOf(config);
    const ending = text === 'COMMIT;' || text === 'ROLLBACK';
    if (state === 'committed') {
      state = ending ? 'none' : 'committed';
      return ending ? answer(callback, answered(text)) : answer(callback, undefined, new Error('The transaction was committed with its last statement; nothing may follow it.'));
    }
    const begin = state === 'begin pending';
    const commit = Boolean((config as ThenCommit | null)?.thenCommit);
    if (!begin && !commit) {
      if (text !== 'BEGIN;') return send(config, values, callback);
      state = 'begin pending';
      return answer(callback, answered('BEGIN'));
    }
    state = 'none';
    if (begin && ending) return answer(callback, answered(text)); // a transaction without statements
    if (commit && !begin && client.getTransactionStatus() !== 'T') return answer(callback, undefined, new Error('COMMIT can only go with a statement inside a transaction.'));
    if (isExtended(config, values)) {
      return settle(callback, (cb) =>
        send(new Pipelined(config, values, (err, result) => {
          if (!err && commit) state = 'committed';
          cb(err, result);
        }, begin, commit)),
      );
    }
    if (commit) return answer(callback, undefined, new Error('Only a named or parameterized statement can carry COMMIT.'));
    return settle(callback, (cb) => send('BEGIN', (err: Error | null) => (err ? cb(err) : send(config, values, cb))));
  };
  (client as unknown as { query: typeof replacement }).query = replacement;
}
