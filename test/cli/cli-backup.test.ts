// `cronfleet backup` and `cronfleet restore` as real child processes, against a real
// `cronfleet up` that fires tasks every second while the backup is taken. The restored
// copy is started in a fresh data dir with the same secret key: its tasks, history and
// secrets are there, and its firing resumes without recording again any fire the backup
// already holds. Then every refusal: an existing output, a file that is not a cronfleet
// database, a newer schema, another secret key, a server that holds the database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { launch, kill, type FleetProcess } from '../chaos/fleet.ts';
import { testDialect } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { hasStackTrace, runCli } from './run-cli.ts';

const SECRET_VALUE = 's3cr3t-value';

interface Fire {
  id: string;
  task_id: string;
  scheduled_time: number;
}

/** The schedule fires recorded in a SQLite file, read directly (the backup as it is on disk). */
function firesIn(file: string): Fire[] {
  const database = new DatabaseSync(file, { readOnly: true });
  try {
    return database.prepare("select id, task_id, scheduled_time from executions where trigger = 'schedule'").all() as unknown as Fire[];
  } finally {
    database.close();
  }
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('cronfleet backup and restore (SQLite)', { skip: testDialect !== 'sqlite' ? 'SQLite only: PostgreSQL and MySQL are backed up with pg_dump/mysqldump' : false }, () => {
  const key = randomBytes(32).toString('base64');
  const work = mkdtempSync(join(tmpdir(), 'cronfleet-backup-'));
  const source = join(work, 'source');
  const backupFile = join(work, 'backup.db');
  const restored = join(work, 'restored');
  const env = { CRONFLEET_SECRET_KEY: key };
  const cli = (args: string[], extraEnv: Record<string, string> = env) => runCli(args, { cwd: work, env: extraEnv });
  let up: FleetProcess | null = null;
  let upUrl = '';
  let upToken = '';
  let restoredServer: TestServer | null = null;
  const taskIds = new Map<string, string>();

  const upRequest = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${upUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${upToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  before(async () => {
    up = launch('up', ['up', '--port', '0', '--host', '127.0.0.1', '--data-dir', source, '--log-level', 'warn'], { ...env, CRONFLEET_RATE_LIMIT_PER_MINUTE: '0', CRONFLEET_ADMIN_TOKEN: '' }, () => 'backup test');
    const listening = await up.waitFor(/listening on http:\/\/\S+/, 60_000);
    assert.ok(listening, `cronfleet up did not start:\n${up.tail()}`);
    upUrl = /listening on (http:\/\/\S+)/.exec(up.tail(20_000))![1]!;
    upToken = readFileSync(join(source, 'admin-token'), 'utf8').trim();
    const every = { cron_expression: '@every 1s', type: 'command', shell: false, misfire_policy: 'run_once' };
    const bodies = [
      { name: 'tick-a', command: '/bin/echo', args: ['tick a'], ...every },
      { name: 'tick-b', command: '/bin/echo', args: ['tick b'], ...every },
      // Succeeds only when the server could open the sealed secret and hand it to the run.
      { name: 'uses-secret', command: '/bin/sh', args: ['-c', `test "$PASSWORD" = '${SECRET_VALUE}'`], env: { PASSWORD: { secret: SECRET_VALUE } }, ...every },
    ];
    for (const body of bodies) {
      const created = await upRequest('POST', '/api/v1/tasks', body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      taskIds.set(body.name, created.body.id);
    }
  });

  after(async () => {
    await restoredServer?.close({ keepData: true });
    if (up) await kill(up);
    rmSync(work, { recursive: true, force: true });
  });

  it('a backup taken while tasks fire every second restores into a fresh data dir: tasks, history and secrets are there, and firing resumes without doubling a recorded fire', async () => {
    // Some history first: every task has run successfully on its schedule.
    for (const [name, id] of taskIds) {
      await eventually(
        async () => {
          const list = await upRequest('GET', `/api/v1/executions?task_id=${id}&status=success&page_size=5`);
          return list.body.total >= 2;
        },
        `${name} ran twice`,
        30_000,
      );
    }

    // A run in flight at the backup's instant.
    const long = await upRequest('POST', '/api/v1/tasks', { name: 'long-run', type: 'command', command: '/bin/sleep', args: ['20'], shell: false });
    assert.equal(long.status, 201, JSON.stringify(long.body));
    const inFlight = await upRequest('POST', `/api/v1/tasks/${long.body.id}/trigger`, {});
    assert.equal(inFlight.status, 202, JSON.stringify(inFlight.body));
    await eventually(async () => (await upRequest('GET', `/api/v1/executions/${inFlight.body.id}`)).body.status === 'running', 'the long run is running', 30_000);

    const backedUp = await cli(['backup', '--data-dir', source, '--out', backupFile]);
    assert.equal(backedUp.code, 0, backedUp.stderr);
    assert.match(backedUp.stdout, /backed up .*cronfleet\.db to .*backup\.db .*4 tasks/);
    assert.match(backedUp.stdout, /secret_key/, 'it reminds to keep the secret key with the backup');
    assert.equal(modeOf(backupFile), 0o600);
    assert.deepEqual(
      readdirSync(work).filter((name) => name.startsWith('.backup')),
      [],
      'no temporary file left behind',
    );

    // The server kept firing through the backup and is still serving.
    const inBackup = firesIn(backupFile);
    const lastInBackup = Math.max(...inBackup.map((fire) => fire.scheduled_time));
    await eventually(
      async () => {
        const list = await upRequest('GET', `/api/v1/executions?task_id=${taskIds.get('tick-a')}&page_size=1`);
        return list.body.items.length > 0 && Date.parse(list.body.items[0].scheduled_time) > lastInBackup;
      },
      'the source server fires after the backup',
      30_000,
    );
    assert.equal(up!.exit, null, 'the source server is still running');
    up!.child.kill('SIGTERM'); // a clean stop ends its runs (the long sleep) too
    await up!.exited;

    // Restore into a fresh data dir, with the same secret key.
    const restoredRun = await cli(['restore', backupFile, '--data-dir', restored]);
    assert.equal(restoredRun.code, 0, restoredRun.stderr);
    assert.match(restoredRun.stdout, /restored .*backup\.db into .*cronfleet\.db .*4 tasks/);
    assert.equal(modeOf(join(restored, 'cronfleet.db')), 0o600);

    restoredServer = await startTestServer({ dataDir: restored, env });
    const tasks = await restoredServer.request('GET', '/api/v1/tasks?page_size=100');
    assert.deepEqual(tasks.body.items.map((task: { name: string }) => task.name).sort(), ['long-run', 'tick-a', 'tick-b', 'uses-secret']);
    const secretTask = await restoredServer.request('GET', `/api/v1/tasks/${taskIds.get('uses-secret')}`);
    assert.deepEqual(secretTask.body.env, { PASSWORD: { secret: true } }, 'the secret is there, masked');

    // The history of the backup is all there.
    const { db } = rawDatabase(restoredServer.server.store);
    const ids = new Set((await db.selectFrom('executions').select('id').execute()).map((row) => row.id));
    assert.ok(
      inBackup.every((fire) => ids.has(fire.id)),
      'every execution of the backup is in the restored database',
    );

    // Firing resumes: each task runs on its schedule again, the secret one included (its
    // run succeeds only with the secret opened by the same key).
    for (const [name, id] of taskIds) {
      await eventually(
        async () => {
          const runs = await db
            .selectFrom('executions')
            .select(['scheduled_time', 'status'])
            .where('task_id', '=', id)
            .where('trigger', '=', 'schedule')
            .where('scheduled_time', '>', lastInBackup)
            .where('status', '=', 'success')
            .execute();
          return runs.length >= 2;
        },
        `${name} fires and succeeds again after the restore`,
        30_000,
      );
    }

    // No fire recorded twice, and none of the instants the backup already held fired again.
    const fires = (await db.selectFrom('executions').select(['id', 'task_id', 'scheduled_time']).where('trigger', '=', 'schedule').execute()) as Fire[];
    const seen = new Set<string>();
    for (const fire of fires) {
      const instant = `${fire.task_id}@${fire.scheduled_time}`;
      assert.ok(!seen.has(instant), `${instant} was fired twice`);
      seen.add(instant);
    }
    const backupIds = new Set(inBackup.map((fire) => fire.id));
    const lastPerTask = new Map<string, number>();
    for (const fire of inBackup) lastPerTask.set(fire.task_id, Math.max(lastPerTask.get(fire.task_id) ?? 0, fire.scheduled_time));
    const refired = fires.filter((fire) => fire.scheduled_time <= lastPerTask.get(fire.task_id)! && !backupIds.has(fire.id));
    assert.deepEqual(refired, [], 'no instant up to the last one in the backup fired again');

    // Runs that were in flight at the backup's instant belonged to an executor that is
    // gone: they are ended (executor_lost), not left running for ever.
    await eventually(
      async () => {
        const open = await db
          .selectFrom('executions')
          .select('id')
          .where('id', 'in', [...backupIds, inFlight.body.id])
          .where('status', 'in', ['pending', 'running'])
          .execute();
        return open.length === 0;
      },
      'no run of the backup is left pending or running',
      90_000,
    );
    const ended = await restoredServer.request('GET', `/api/v1/executions/${inFlight.body.id}`);
    assert.equal(ended.body.status, 'failed', JSON.stringify(ended.body));
  });

  it('refuses to overwrite an existing backup file without --force (a usage error naming the file), and overwrites it with --force', async () => {
    const before = readFileSync(backupFile);
    const refused = await cli(['backup', '--data-dir', source, '--out', backupFile]);
    assert.equal(refused.code, 2);
    assert.ok(refused.stderr.includes(backupFile), refused.stderr);
    assert.match(refused.stderr, /--force/);
    assert.ok(readFileSync(backupFile).equals(before), 'the existing file is untouched');
    const forced = await cli(['backup', '--data-dir', source, '--out', backupFile, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(modeOf(backupFile), 0o600);

    // The same config as `cronfleet server`: ./cronfleet.yaml names the data dir.
    const config = join(work, 'cronfleet.yaml');
    writeFileSync(config, `data_dir: ${source}\n`);
    try {
      const fromConfig = await cli(['backup', '--out', join(work, 'from-config.db')]);
      assert.equal(fromConfig.code, 0, fromConfig.stderr);
      assert.ok(fromConfig.stdout.includes(`backed up ${join(source, 'cronfleet.db')} to`), fromConfig.stdout);
    } finally {
      rmSync(config);
    }
  });

  it('refuses to restore while a server holds the database, and replaces it once stopped, keeping the old one beside it', async () => {
    assert.ok(restoredServer, 'the restored server runs (first test)');
    const target = join(restored, 'cronfleet.db');
    const refused = await cli(['restore', backupFile, '--data-dir', restored, '--force']);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /in use.*stop the server first/);
    assert.equal((await restoredServer.request('GET', '/healthz')).status, 200, 'the running server is unharmed');
    assert.equal((await restoredServer.request('GET', '/api/v1/tasks?page_size=100')).body.items.length, 4);

    await restoredServer.close({ keepData: true });
    restoredServer = null;
    const withoutForce = await cli(['restore', backupFile, '--data-dir', restored]);
    assert.equal(withoutForce.code, 2, withoutForce.stderr);
    assert.ok(withoutForce.stderr.includes(target), withoutForce.stderr);

    const replaced = await cli(['restore', backupFile, '--data-dir', restored, '--force']);
    assert.equal(replaced.code, 0, replaced.stderr);
    const kept = readdirSync(restored).filter((name) => /^cronfleet\.db\.replaced-\d{8}T\d{6}Z$/.test(name));
    assert.equal(kept.length, 1, `the replaced database is kept: ${readdirSync(restored).join(', ')}`);
    assert.ok(replaced.stdout.includes(kept[0]!), replaced.stdout);
    assert.ok(firesIn(join(restored, kept[0]!)).length > firesIn(target).length, 'the kept copy is the database that ran after the restore');
  });

  it('shows its progress for a large database, ending at 100%', async () => {
    const large = join(work, 'large');
    const out = join(work, 'large-backup.db');
    mkdirSync(large);
    copyFileSync(backupFile, join(large, 'cronfleet.db'));
    const database = new DatabaseSync(join(large, 'cronfleet.db'));
    database.exec('create table bulk (body blob)');
    database.exec('begin');
    for (let index = 0; index < 24; index++) database.prepare('insert into bulk (body) values (randomblob(1048576))').run();
    database.exec('commit');
    database.close();
    const result = await cli(['backup', '--data-dir', large, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^backup: \d+% \([\d.]+ of [\d.]+ MiB\)$/m);
    assert.match(result.stderr, /^backup: 100% \([\d.]+ MiB\)\n$/m);
    assert.ok(statSync(out).size > 24 * 1048576);
  });

  it("replaces a damaged database (not one any server could run on), keeping it beside it; the restored file is 0600 whatever the backup file's mode", async () => {
    const damagedDir = join(work, 'damaged-target');
    mkdirSync(damagedDir);
    writeFileSync(join(damagedDir, 'cronfleet.db'), randomBytes(8192));
    // A backup that lost its mode on the way (copied with a umask of 022): the restored file is 0600 all the same.
    const loose = join(work, 'loose.db');
    copyFileSync(backupFile, loose);
    chmodSync(loose, 0o644);
    const result = await cli(['restore', loose, '--data-dir', damagedDir, '--force']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(modeOf(join(damagedDir, 'cronfleet.db')), 0o600);
    assert.equal(readdirSync(damagedDir).filter((name) => name.startsWith('cronfleet.db.replaced-')).length, 1);
    assert.ok(firesIn(join(damagedDir, 'cronfleet.db')).length > 0);
  });

  it('refuses a file that is not a cronfleet database, or that is damaged, before touching the data dir', async () => {
    const fresh = join(work, 'fresh-for-bad-files');
    const random = join(work, 'random.bin');
    writeFileSync(random, randomBytes(64 * 1024));
    const notSqlite = await cli(['restore', random, '--data-dir', fresh]);
    assert.equal(notSqlite.code, 1);
    assert.match(notSqlite.stderr, /random\.bin is not a SQLite database/);

    const other = join(work, 'other.db');
    const database = new DatabaseSync(other);
    database.exec('create table notes (body text)');
    database.close();
    const notCronfleet = await cli(['restore', other, '--data-dir', fresh]);
    assert.equal(notCronfleet.code, 1);
    assert.match(notCronfleet.stderr, /not a cronfleet one/);

    // A backup cut short: the header is right, most pages are missing.
    const truncated = join(work, 'truncated.db');
    writeFileSync(truncated, readFileSync(backupFile).subarray(0, Math.floor(statSync(backupFile).size / 2)));
    const damaged = await cli(['restore', truncated, '--data-dir', fresh]);
    assert.equal(damaged.code, 1, damaged.stdout);
    assert.match(damaged.stderr, /damaged|malformed|not a cronfleet/);

    const missing = await cli(['restore', join(work, 'no-such-file.db'), '--data-dir', fresh]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-file\.db: no such file/);

    for (const result of [notSqlite, notCronfleet, damaged, missing]) assert.ok(!hasStackTrace(result.stderr), result.stderr);
    assert.ok(!existsSync(join(fresh, 'cronfleet.db')), 'nothing was restored');
    assert.deepEqual(existsSync(fresh) ? readdirSync(fresh) : [], [], 'nothing was left in the data dir');
  });

  it('refuses a backup written by a newer cronfleet (a migration this version does not know)', async () => {
    const newer = join(work, 'newer.db');
    copyFileSync(backupFile, newer);
    const database = new DatabaseSync(newer);
    database.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999-from-the-future', new Date().toISOString());
    database.close();
    const fresh = join(work, 'fresh-for-newer');
    const refused = await cli(['restore', newer, '--data-dir', fresh]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /newer cronfleet \(schema 999-from-the-future; this version knows up to \d{3}-/);
    assert.ok(!existsSync(join(fresh, 'cronfleet.db')));
  });

  it('refuses a backup whose secrets are sealed with another key than the one in force', async () => {
    const fresh = join(work, 'fresh-for-key');
    const refused = await cli(['restore', backupFile, '--data-dir', fresh], { CRONFLEET_SECRET_KEY: randomBytes(32).toString('base64') });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /sealed with another secret key/);
    assert.ok(!existsSync(join(fresh, 'cronfleet.db')));
    // Without any key yet, the restore goes ahead and says where the key must go.
    const keyless = await cli(['restore', backupFile, '--data-dir', fresh], {});
    assert.equal(keyless.code, 0, keyless.stderr);
    assert.match(keyless.stderr, /no secret key here yet.*secret-key/);
  });

  it('on PostgreSQL and MySQL prints the pg_dump / mysqldump commands (without the password) and exits non-zero', async () => {
    const out = join(work, 'dump');
    const postgres = await cli(['backup', '--database', 'postgres://cron:pw@db.internal:5432/cronfleet', '--out', out]);
    assert.equal(postgres.code, 1);
    assert.match(postgres.stderr, /pg_dump --format=custom --file=\S+dump postgres:\/\/cron@db\.internal:5432\/cronfleet/);
    assert.match(postgres.stderr, /pg_restore --clean --if-exists --no-owner/);
    const mysql = await cli(['backup', '--database', 'mysql://cron:pw@db.internal:3306/cronfleet', '--out', out]);
    assert.equal(mysql.code, 1);
    assert.match(mysql.stderr, /mysqldump --single-transaction --routines --host db\.internal --port 3306 --user cron -p cronfleet > \S+dump/);
    for (const result of [postgres, mysql]) {
      assert.ok(!result.stderr.includes('pw@') && !result.stdout.includes(':pw'), 'the password is never printed');
      assert.match(result.stderr, /secret key/i);
    }
    assert.ok(!existsSync(out));
  });
});
