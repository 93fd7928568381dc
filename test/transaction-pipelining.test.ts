// BEGIN rides with a transaction's first statement, and COMMIT with a last statement that says so
// (src/db/transaction-pipelining.ts): round trips saved, and transactions stay transactions, also
// those run without the ORM's transaction machinery (statementTransaction in src/db/prepared.ts).
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { openOrm } from '../src/db/orm';
import { prepared, query, statementTransaction } from '../src/db/prepared';
import { createDatabase } from './support/api';

let db: { url: string; drop: () => Promise<void> };
let orm: MikroORM;
let roundTrips = 0;

beforeAll(async () => {
  db = await createDatabase();
  orm = await openOrm({ databaseUrl: db.url, poolMax: 1 }); // one connection: every query below uses it
  await orm.em.getConnection().execute('create table t (v int not null)');
  const knex = orm.em.getConnection().getKnex().client;
  const client = (await knex.acquireConnection()) as Client & { connection: NodeJS.EventEmitter };
  client.connection.on('readyForQuery', () => roundTrips++);
  knex.releaseConnection(client);
});
afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

const em = () => orm.em.fork();
const rows = async () => (await em().getConnection().execute<{ v: number }[]>('select v from t order by v')).map((r) => r.v);
const trips = async (work: () => Promise<unknown>) => {
  const before = roundTrips;
  await work().catch(() => undefined);
  return roundTrips - before;
};
const undo = () => Promise.reject(new Error('undo'));

describe('BEGIN sent with the first statement', () => {
  beforeEach(() => em().getConnection().execute('truncate t'));

  it('costs no round trip of its own, and the statements run in the transaction', async () => {
    expect(await trips(() => em().transactional(async (tx) => prepared(tx, 'insert into t (v) values (?)', [1])))).toBe(2); // BEGIN + insert, COMMIT
    expect(await trips(() => em().transactional(async (tx) => (await prepared(tx, 'insert into t (v) values (?)', [2]), undo())))).toBe(2);
    expect(await rows()).toEqual([1]); // the second insert was rolled back
  });

  it('goes ahead on its own of a simple-protocol statement, which also stays in the transaction', async () => {
    expect(await trips(() => em().transactional(async (tx) => (await tx.getConnection().execute('insert into t (v) values (3); insert into t (v) values (4)', [], 'run', tx.getTransactionContext()), undo())))).toBe(3);
    expect(await rows()).toEqual([]);
  });

  it('is not sent at all for a transaction without statements', async () => {
    expect(await trips(() => em().transactional(async () => 'nothing'))).toBe(0);
    expect(await trips(() => em().transactional(undo))).toBe(0);
  });

  it('leaves the connection usable when the first statement fails, also to prepare that statement again', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(em().transactional((tx) => prepared(tx, 'select * from missing_table'))).rejects.toThrow('relation "missing_table" does not exist');
    }
    await expect(em().transactional(async (tx) => prepared(tx, 'insert into t (v) values (?) returning v', [5]))).resolves.toEqual([{ v: 5 }]);
    expect(await rows()).toEqual([5]);
  });
});

describe('COMMIT sent with the last statement', () => {
  beforeEach(() => em().getConnection().execute('truncate t'));
  const insert = (tx: ReturnType<typeof em>, v: number, commit = false) => prepared(tx, 'insert into t (v) values (?)', [v], { commit });

  it('costs no round trip of its own: a two-statement transaction is two round trips', async () => {
    expect(await trips(() => em().transactional(async (tx) => (await insert(tx, 1), insert(tx, 2, true))))).toBe(2);
    expect(await rows()).toEqual([1, 2]);
  });

  it('keeps what was committed when the code throws after it, and refuses statements after it', async () => {
    await expect(em().transactional(async (tx) => (await insert(tx, 1), await insert(tx, 2, true), undo()))).rejects.toThrow('undo');
    await expect(em().transactional(async (tx) => (await insert(tx, 3), await insert(tx, 4, true), insert(tx, 5)))).rejects.toThrow('nothing may follow it');
    expect(await rows()).toEqual([1, 2, 3, 4]);
  });

  it('rolls the whole transaction back when that statement fails', async () => {
    await expect(em().transactional(async (tx) => (await insert(tx, 1), prepared(tx, 'insert into t (v) values (null)', [], { commit: true })))).rejects.toThrow('null value');
    expect(await rows()).toEqual([]);
    expect(await trips(() => em().transactional(async (tx) => insert(tx, 6, true)))).toBe(1); // the connection is usable; BEGIN, insert and COMMIT in one round trip
    expect(await rows()).toEqual([6]);
  });

  it('is refused outside a transaction', async () => {
    await expect(query(em(), 'select 1', [], { commit: true })).rejects.toThrow('not in a transaction');
  });
});

describe('statementTransaction (the same transactions without the ORM)', () => {
  beforeEach(() => em().getConnection().execute('truncate t'));
  const insert = (tx: ReturnType<typeof em>, v: number, commit = false) => prepared(tx, 'insert into t (v) values (?)', [v], { commit });

  it('commits with the last statement, or on its own when none carried the COMMIT', async () => {
    expect(await trips(() => statementTransaction(em(), async (tx) => (await insert(tx, 1), insert(tx, 2, true))))).toBe(2);
    expect(await trips(() => statementTransaction(em(), async (tx) => (await insert(tx, 3), insert(tx, 4))))).toBe(3);
    expect(await trips(() => statementTransaction(em(), async () => 'nothing'))).toBe(0);
    expect(await rows()).toEqual([1, 2, 3, 4]);
  });

  it('rolls back when the work throws or a statement fails, and the connection stays usable', async () => {
    await expect(statementTransaction(em(), async (tx) => (await insert(tx, 1), undo()))).rejects.toThrow('undo');
    await expect(statementTransaction(em(), async (tx) => (await insert(tx, 2), prepared(tx, 'insert into t (v) values (null)', [], { commit: true })))).rejects.toThrow('null value');
    await expect(statementTransaction(em(), async () => undo())).rejects.toThrow('undo');
    expect(await rows()).toEqual([]);
    await statementTransaction(em(), async (tx) => insert(tx, 5, true));
    expect(await rows()).toEqual([5]);
  });

  it('keeps what was committed when the work throws after it', async () => {
    await expect(statementTransaction(em(), async (tx) => (await insert(tx, 1, true), undo()))).rejects.toThrow('undo');
    await expect(statementTransaction(em(), async (tx) => (await insert(tx, 2, true), insert(tx, 3)))).rejects.toThrow('nothing may follow it');
    expect(await rows()).toEqual([1, 2]);
  });
});
