// Every driver's way of saying "lock conflict", "disk full" or "connection gone" is one
// StorageError (503, retryable) above the store; everything else (a constraint, a bug)
// stays what it was. The shapes below are the drivers' own: node:sqlite's errcode,
// PostgreSQL's SQLSTATE with a severity, mysql2's errno/sqlMessage/fatal, Node's
// system codes; the refused connections are real ones.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import { asStorageError, classifyFault, StorageError } from '../../src/store/faults.ts';

const sqliteError = (errcode: number) => Object.assign(new Error('sqlite'), { code: 'ERR_SQLITE_ERROR', errcode });
const postgresError = (code: string) => Object.assign(new Error('postgres'), { code, severity: 'ERROR' });
const mysqlError = (errno: number, code: string, fatal = false) => Object.assign(new Error('mysql'), { errno, code, sqlMessage: 'mysql', sqlState: 'HY000', fatal });

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('database faults', () => {
  it('lock conflicts of every dialect are busy', () => {
    for (const error of [
      sqliteError(5),
      sqliteError(6),
      sqliteError(5 | (1 << 8)),
      postgresError('40P01'),
      postgresError('40001'),
      postgresError('55P03'),
      mysqlError(1213, 'ER_LOCK_DEADLOCK'),
      mysqlError(1205, 'ER_LOCK_WAIT_TIMEOUT'),
    ]) {
      assert.equal(classifyFault(error), 'busy', JSON.stringify(error));
    }
  });

  it('a full disk of every dialect is disk_full', () => {
    for (const error of [sqliteError(13), postgresError('53100'), mysqlError(1114, 'ER_RECORD_FILE_FULL'), mysqlError(1021, 'ER_DISK_FULL'), Object.assign(new Error('write'), { code: 'ENOSPC' })]) {
      assert.equal(classifyFault(error), 'disk_full', JSON.stringify(error));
    }
    assert.equal(classifyFault(sqliteError(10 | (19 << 8))), 'io_error', 'SQLITE_IOERR_SHMSIZE');
  });

  it('a lost or refused connection of every dialect is unreachable', () => {
    for (const error of [
      postgresError('57P01'),
      postgresError('57P02'),
      postgresError('57P03'),
      postgresError('08006'),
      postgresError('08001'),
      new Error('Connection terminated unexpectedly'),
      mysqlError(2013, 'PROTOCOL_CONNECTION_LOST', true),
      Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true }),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]),
    ]) {
      assert.equal(classifyFault(error), 'unreachable', error.message);
    }
  });

  it('real refused connections of both drivers are unreachable', async () => {
    const port = await closedPort();
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/none` });
    const pgError = await client.connect().catch((error: unknown) => error);
    assert.equal(classifyFault(pgError), 'unreachable');
    const mysqlRefused = await createConnection(`mysql://root@127.0.0.1:${port}/none`).catch((error: unknown) => error);
    assert.equal(classifyFault(mysqlRefused), 'unreachable');
  });

  it('anything else is not a fault and is left as it was', () => {
    for (const error of [postgresError('23505'), mysqlError(1062, 'ER_DUP_ENTRY'), sqliteError(19), new Error('a bug'), new TypeError('x is undefined')]) {
      assert.equal(classifyFault(error), null, JSON.stringify(error));
      assert.equal(asStorageError(error), error);
    }
  });

  it('a fault becomes a StorageError answered with 503 and a retryable code, keeping its cause', () => {
    const cause = postgresError('53100');
    const typed = asStorageError(cause);
    assert.ok(typed instanceof StorageError);
    assert.equal(typed.status, 503);
    assert.equal(typed.code, 'storage_unavailable');
    assert.deepEqual(typed.details, { reason: 'disk_full', retryable: true });
    assert.equal(typed.cause, cause);
    assert.equal((asStorageError(mysqlError(1213, 'ER_LOCK_DEADLOCK')) as StorageError).code, 'storage_busy');
  });
});
