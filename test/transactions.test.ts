// One transaction path: db/prepared's statements run in the ORM transaction of the EntityManager they
// are given (`em.transactional`), and on a pooled connection of their own outside one. A transaction
// is BEGIN, its statements and COMMIT, each a round trip: pg's private Query API is not patched.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { openOrm } from '../src/app/orm';
import { prepared, query } from '../src/db/prepared';
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
const rows = async () =>
  (await em().getConnection().execute<{ v: number }[]>('select v from t order by v')).map((r) => r.v);
const trips = async (work: () => Promise<unknown>) => {
  const before = roundTrips;
  await work().catch(() => undefined);
  return roundTrips - before;
};
const undo = () => Promise.reject(new Error('undo'));
const insert = (tx: ReturnType<typeof em>, v: number | null) => prepared(tx, 'insert into t (v) values (?)', [v]);

describe('prepared statements in a transaction', () => {
  beforeEach(() => em().getConnection().execute('truncate t'));

  it('run in it: committed together, one round trip each plus BEGIN and COMMIT', async () => {
    expect(
      await trips(() =>
        em().transactional(async (tx) => {
          await insert(tx, 1);
          await insert(tx, 2);
        }),
      ),
    ).toBe(4);
    expect(await rows()).toEqual([1, 2]);
  });

  it('are rolled back with it when the work throws or a statement fails, and the connection stays usable', async () => {
    await expect(
      em().transactional(async (tx) => {
        await insert(tx, 1);
        await undo();
      }),
    ).rejects.toThrow('undo');
    await expect(
      em().transactional(async (tx) => {
        await insert(tx, 2);
        await insert(tx, null);
      }),
    ).rejects.toThrow('null value');
    expect(await rows()).toEqual([]);
    for (let i = 0; i < 2; i++)
      await expect(em().transactional((tx) => prepared(tx, 'select * from missing_table'))).rejects.toThrow(
        'relation "missing_table" does not exist',
      );
    await expect(
      em().transactional(async (tx) => prepared(tx, 'insert into t (v) values (?) returning v', [5])),
    ).resolves.toEqual([{ v: 5 }]);
    expect(await rows()).toEqual([5]);
  });

  it('see the ORM writes of the same transaction', async () => {
    await em().transactional(async (tx) => {
      await tx.getConnection().execute('insert into t (v) values (7)', [], 'run', tx.getTransactionContext());
      expect(await prepared(tx, 'select count(*)::int as n from t where v = ?', [7])).toEqual([{ n: 1 }]);
    });
  });
});

describe('prepared statements outside a transaction', () => {
  it('run on a pooled connection, one round trip each', async () => {
    expect(await trips(() => query(em(), 'select $1::int as v', [3]))).toBe(1);
    expect(await query(em(), 'select $1::int as v', [3])).toEqual([{ v: 3 }]);
  });
});
