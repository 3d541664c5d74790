// Task definitions: wire body (snake_case, seed 001) → validated definition, and back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronfleetError, type ErrorCode } from '../../src/protocol/errors.ts';
import { definitionToWire, parseTaskDefinition, taskDefaults, type TaskDefinition } from '../../src/domain/task.ts';
import { SECRET_MASK, maskSecretText, sealedSecrets, withSecrets } from '../../src/domain/secrets.ts';
import { designCommandBody, seedCreateBody } from '../helpers/example-bodies.ts';

const seedExample = seedCreateBody;

function rejects(body: unknown, field: string, code: ErrorCode = 'invalid_task'): void {
  assert.throws(
    () => parseTaskDefinition(body),
    (error: unknown) => {
      assert.ok(error instanceof CronfleetError, 'a CronfleetError');
      assert.equal(error.code, code);
      assert.equal(error.details?.field, field);
      return true;
    },
  );
}

describe("seed 001's example body", () => {
  it('is accepted as a handler task whose handler is the task name', () => {
    const definition = parseTaskDefinition(seedExample);
    assert.equal(definition.type, 'handler');
    assert.deepEqual(definition.spec, { handler: 'data_sync_task' });
  });

  it('keeps every field it states', () => {
    const definition = parseTaskDefinition(seedExample);
    assert.equal(definition.name, 'data_sync_task');
    assert.equal(definition.cronExpression, '0 */5 * * * *');
    assert.equal(definition.executionMode, 'sequential');
    assert.equal(definition.loadBalanceStrategy, 'round_robin');
    assert.equal(definition.maxRetry, 3);
    assert.equal(definition.timeoutSeconds, 600);
    assert.deepEqual(definition.parameters, { source: 'database_a', target: 'database_b' });
  });

  it('gets the documented defaults for everything it leaves out', () => {
    const definition = parseTaskDefinition(seedExample);
    assert.equal(definition.timezone, taskDefaults.timezone);
    assert.equal(definition.misfirePolicy, taskDefaults.misfirePolicy);
    assert.equal(definition.misfireGraceSeconds, taskDefaults.misfireGraceSeconds);
    assert.equal(definition.retryBackoffSeconds, taskDefaults.retryBackoffSeconds);
    assert.equal(definition.retryBackoffMaxSeconds, taskDefaults.retryBackoffMaxSeconds);
    assert.deepEqual(definition.executorLabels, {});
    assert.deepEqual(definition.tags, []);
    assert.equal(definition.description, '');
  });
});

describe('the DESIGN.md §7 command body', () => {
  it('is accepted as a command task with its arguments, environment and time zone', () => {
    const definition = parseTaskDefinition(designCommandBody);
    assert.equal(definition.type, 'command');
    assert.deepEqual(definition.spec, { command: '/usr/bin/env', args: ['echo', 'hello'], shell: false, env: { MODE: 'full' }, cwd: null });
    assert.equal(definition.timezone, 'Asia/Shanghai');
    assert.deepEqual(definition.executorLabels, { zone: 'a' });
    assert.equal(definition.misfirePolicy, 'run_once');
  });
});

describe('type inference', () => {
  it('a body with a command is a command task', () => {
    assert.equal(parseTaskDefinition({ name: 'backup', command: '/usr/bin/backup' }).type, 'command');
  });

  it('a body with a script object is a script task, sh by default', () => {
    const definition = parseTaskDefinition({ name: 'report', script: { body: 'echo hi' } });
    assert.equal(definition.type, 'script');
    assert.deepEqual(definition.spec, { interpreter: 'sh', body: 'echo hi', env: {} });
  });

  it('a body with an http object is an http task, GET by default', () => {
    const definition = parseTaskDefinition({ name: 'ping', http: { url: 'https://example.com/health' } });
    assert.equal(definition.type, 'http');
    assert.deepEqual(definition.spec, { method: 'GET', url: 'https://example.com/health', headers: {}, body: null, expectStatus: [] });
  });

  it('a body with a docker object is a docker task', () => {
    const definition = parseTaskDefinition({ name: 'etl', docker: { image: 'alpine:3', command: ['echo', 'hi'] } });
    assert.equal(definition.type, 'docker');
    assert.deepEqual(definition.spec, { image: 'alpine:3', command: ['echo', 'hi'], env: {} });
  });

  it('a body naming a handler is a handler task for that handler', () => {
    const definition = parseTaskDefinition({ name: 'sync', handler: 'billing.sync' });
    assert.equal(definition.type, 'handler');
    assert.deepEqual(definition.spec, { handler: 'billing.sync' });
  });

  it('an explicit type wins over inference', () => {
    assert.equal(parseTaskDefinition({ name: 'job', type: 'handler' }).type, 'handler');
  });
});

describe('type-specific settings', () => {
  it('an http method is upper-cased', () => {
    const definition = parseTaskDefinition({ name: 'ping', http: { url: 'http://example.com', method: 'post' } });
    assert.equal((definition.spec as { method: string }).method, 'POST');
  });

  it('a single expected http status becomes a list', () => {
    const definition = parseTaskDefinition({ name: 'ping', http: { url: 'http://example.com', expect_status: 204 } });
    assert.deepEqual((definition.spec as { expectStatus: number[] }).expectStatus, [204]);
  });

  it('an http body given as JSON is stored as its text', () => {
    const definition = parseTaskDefinition({ name: 'ping', http: { url: 'http://example.com', method: 'POST', body: { a: 1 } } });
    assert.equal((definition.spec as { body: string }).body, '{"a":1}');
  });

  it('a docker command given as one string becomes a one-element list', () => {
    const definition = parseTaskDefinition({ name: 'etl', docker: { image: 'alpine:3', command: 'run-all' } });
    assert.deepEqual((definition.spec as { command: string[] }).command, ['run-all']);
  });

  it('a script takes the top-level env when it has none of its own', () => {
    const definition = parseTaskDefinition({ name: 'report', script: { interpreter: 'python3', body: 'print(1)' }, env: { MODE: 'x' } });
    assert.deepEqual(definition.spec, { interpreter: 'python3', body: 'print(1)', env: { MODE: 'x' } });
  });

  it('an empty cron expression means the task runs only when triggered', () => {
    assert.equal(parseTaskDefinition({ name: 'manual', cron_expression: '' }).cronExpression, null);
  });

  it('a retry backoff above the default maximum raises the default maximum to match', () => {
    assert.equal(parseTaskDefinition({ name: 'job', retry_backoff_seconds: 900 }).retryBackoffMaxSeconds, 900);
  });
});

describe('invalid fields', () => {
  it('a body that is not an object is rejected', () => rejects([], 'body'));
  it('a missing name is rejected', () => rejects({ command: '/bin/true' }, 'name'));
  it('a name with a leading or trailing space, or a slash, is rejected', () => {
    for (const name of [' data sync', 'data sync ', 'data/sync']) rejects({ name, command: '/bin/true' }, 'name');
  });
  it('a name with spaces inside, or in Chinese, is accepted', () => {
    for (const name of ['data sync', '数据同步任务']) assert.equal(parseTaskDefinition({ name, command: '/bin/true' }).name, name);
  });
  it('a name longer than 128 characters is rejected', () => rejects({ name: 'a'.repeat(129) }, 'name'));
  it('a name of exactly 128 characters is accepted', () => assert.equal(parseTaskDefinition({ name: 'a'.repeat(128) }).name.length, 128));
  it('an unknown field is rejected and named', () => rejects({ name: 'job', colour: 'red' }, 'colour'));
  it('a camelCase field is rejected as unknown', () => rejects({ name: 'job', maxRetry: 3 }, 'maxRetry'));
  it('an invalid cron expression is an invalid_cron', () => rejects({ name: 'job', cron_expression: '61 * * * *' }, 'cron_expression', 'invalid_cron'));
  it('a cron expression that is not a string is rejected', () => rejects({ name: 'job', cron_expression: 5 }, 'cron_expression'));
  it('an unknown time zone is an invalid_timezone', () => rejects({ name: 'job', cron_expression: '0 9 * * *', timezone: 'Nowhere/Land' }, 'timezone', 'invalid_timezone'));
  it('an unknown type is rejected', () => rejects({ name: 'job', type: 'lambda' }, 'type'));
  it('a command task without a command is rejected', () => rejects({ name: 'job', type: 'command' }, 'command'));
  it('a blank command is rejected', () => rejects({ name: 'job', command: '   ' }, 'command'));
  it('args that are not strings are rejected', () => rejects({ name: 'job', command: '/bin/echo', args: ['a', 1] }, 'args'));
  it('a shell flag that is not a boolean is rejected', () => rejects({ name: 'job', command: '/bin/echo', shell: 'yes' }, 'shell'));
  it('an env variable with an invalid name is rejected and named', () => rejects({ name: 'job', command: '/bin/env', env: { '1BAD': 'x' } }, 'env.1BAD'));
  it('an env value that is not a string is rejected and named', () => rejects({ name: 'job', command: '/bin/env', env: { COUNT: 1 } }, 'env.COUNT'));
  it('a cwd that is not a string is rejected', () => rejects({ name: 'job', command: '/bin/pwd', cwd: 4 }, 'cwd'));
  it('a script without a body is rejected', () => rejects({ name: 'job', script: { body: ' ' } }, 'script.body'));
  it('an unsupported script interpreter is rejected', () => rejects({ name: 'job', script: { interpreter: 'ruby', body: 'p 1' } }, 'script.interpreter'));
  it('an http task with a null http object is rejected', () => rejects({ name: 'job', type: 'http', http: null }, 'http'));
  it('a relative http url is rejected', () => rejects({ name: 'job', http: { url: '/health' } }, 'http.url'));
  it('a non-http url is rejected', () => rejects({ name: 'job', http: { url: 'file:///etc/passwd' } }, 'http.url'));
  it('an unsupported http method is rejected', () => rejects({ name: 'job', http: { url: 'http://example.com', method: 'TRACE' } }, 'http.method'));
  it('an expected status outside 100–599 is rejected', () => rejects({ name: 'job', http: { url: 'http://example.com', expect_status: [200, 700] } }, 'http.expect_status'));
  it('a docker task without an image is rejected', () => rejects({ name: 'job', docker: {} }, 'docker.image'));
  it('an invalid handler name is rejected', () => rejects({ name: 'job', handler: 'has space' }, 'handler'));
  it('parameters that are not an object are rejected', () => rejects({ name: 'job', parameters: [1, 2] }, 'parameters'));
  it('an unknown execution mode is rejected', () => rejects({ name: 'job', execution_mode: 'serial' }, 'execution_mode'));
  it('an unknown load balance strategy is rejected', () => rejects({ name: 'job', load_balance_strategy: 'fastest' }, 'load_balance_strategy'));
  it('an executor label that is not a string is rejected and named', () => rejects({ name: 'job', executor_labels: { zone: 1 } }, 'executor_labels.zone'));
  it('tags that are not a list of strings are rejected', () => rejects({ name: 'job', tags: 'nightly' }, 'tags'));
  it('a description over 4096 characters is rejected', () => rejects({ name: 'job', description: 'x'.repeat(4097) }, 'description'));
  it('a negative max_retry is rejected', () => rejects({ name: 'job', max_retry: -1 }, 'max_retry'));
  it('a max_retry over 100 is rejected', () => rejects({ name: 'job', max_retry: 101 }, 'max_retry'));
  it('a fractional max_retry is rejected', () => rejects({ name: 'job', max_retry: 1.5 }, 'max_retry'));
  it('a max_retry given as text is rejected', () => rejects({ name: 'job', max_retry: '3' }, 'max_retry'));
  it('a zero timeout is rejected', () => rejects({ name: 'job', timeout_seconds: 0 }, 'timeout_seconds'));
  it('a timeout over seven days is rejected', () => rejects({ name: 'job', timeout_seconds: 7 * 86_400 + 1 }, 'timeout_seconds'));
  it('a zero retry backoff is rejected', () => rejects({ name: 'job', retry_backoff_seconds: 0 }, 'retry_backoff_seconds'));
  it('a backoff maximum below the backoff base is rejected', () => rejects({ name: 'job', retry_backoff_seconds: 60, retry_backoff_max_seconds: 30 }, 'retry_backoff_max_seconds'));
  it('an unknown misfire policy is rejected', () => rejects({ name: 'job', misfire_policy: 'run_some' }, 'misfire_policy'));
  it('a negative misfire grace is rejected', () => rejects({ name: 'job', misfire_grace_seconds: -1 }, 'misfire_grace_seconds'));
});

describe('round trip through the wire form', () => {
  const bodies: Record<string, unknown> = {
    "seed 001's handler task": seedExample,
    'the DESIGN.md §7 command task': { ...designCommandBody, cwd: '/srv', description: 'sync', tags: ['nightly'] },
    'a script task': { name: 'report', cron_expression: '@every 1h30m', script: { interpreter: 'bash', body: 'echo hi', env: { A: 'b' } } },
    'an http task': {
      name: 'ping',
      cron_expression: '@hourly',
      http: { url: 'https://example.com/hook', method: 'post', headers: { Authorization: 'Bearer x' }, body: { a: 1 }, expect_status: [200, 204] },
      misfire_policy: 'run_all',
      misfire_grace_seconds: 0,
    },
    'a docker task': { name: 'etl', docker: { image: 'alpine:3', command: 'run', env: { MODE: 'full' } }, retry_backoff_seconds: 30, retry_backoff_max_seconds: 60 },
    'a manual-only task': { name: 'manual', load_balance_strategy: 'broadcast', execution_mode: 'replace' },
  };

  for (const [label, body] of Object.entries(bodies)) {
    it(`${label} parses back to the same definition`, () => {
      const definition: TaskDefinition = parseTaskDefinition(body);
      assert.deepEqual(parseTaskDefinition(definitionToWire(definition)), definition);
    });
  }

  it('the wire form is snake_case', () => {
    const wire = definitionToWire(parseTaskDefinition(designCommandBody));
    for (const key of Object.keys(wire)) assert.match(key, /^[a-z_]+$/);
  });
});

describe('secrets in a task body', () => {
  const body = {
    name: 'with_secrets',
    command: 'run',
    env: { TOKEN: { secret: 't0ken' }, MODE: 'full' },
    parameters: { db: { password: { secret: 'pa55' }, host: 'h' }, list: [{ secret: true }] },
  };

  it('are accepted in parameters at any depth and in env, as {"secret":"<value>"} or the placeholder', () => {
    const definition = parseTaskDefinition(body);
    assert.deepEqual(definition.parameters, body.parameters);
    assert.deepEqual((definition.spec as { env: unknown }).env, body.env);
    const http = parseTaskDefinition({ name: 'h', http: { url: 'http://x/', headers: { authorization: { secret: 'Bearer s' } } } });
    assert.deepEqual((http.spec as { headers: unknown }).headers, { authorization: { secret: 'Bearer s' } });
  });

  it('are found with their wire paths, and replaced by withSecrets', () => {
    const definition = parseTaskDefinition(body);
    const paths: string[] = [];
    const masked = withSecrets(definition, (_secret, path) => {
      paths.push(path.join('.'));
      return { secret: true };
    });
    assert.deepEqual(paths.sort(), ['env.TOKEN', 'parameters.db.password', 'parameters.list.0']);
    assert.ok(!JSON.stringify(definitionToWire(masked)).includes('pa55'));
    const sealed = withSecrets(definition, (secret) => ('secret' in secret && secret.secret !== true ? { $sealed: `sealed:${secret.secret}` } : secret));
    assert.deepEqual([...sealedSecrets(sealed).values()].sort(), ['sealed:pa55', 'sealed:t0ken']);
  });

  it('are refused when malformed, without the value in the error', () => {
    rejects({ ...body, parameters: { p: { secret: 12 } } }, 'parameters.p');
    rejects({ ...body, parameters: { p: { secret: '' } } }, 'parameters.p');
    rejects({ ...body, parameters: { p: { $sealed: 'v1:abc' } } }, 'parameters.p');
    rejects({ ...body, env: { TOKEN: { secret: 'x', other: 1 } } }, 'env.TOKEN');
    assert.throws(
      () => parseTaskDefinition({ ...body, env: { TOKEN: { secret: 'visible?', extra: true } } }),
      (error: CronfleetError) => !JSON.stringify(error.toBody()).includes('visible?'),
    );
  });
});

describe('masking secret values in text', () => {
  it('replaces every occurrence, longest value first', () => {
    assert.equal(maskSecretText('a=hunter2 b=hunter2x', ['hunter2', 'hunter2x']), `a=${SECRET_MASK} b=${SECRET_MASK}`);
  });

  it('masks the halves of a value split across two chunks when each half is 4 characters or more', () => {
    const secret = 'correct-horse';
    assert.equal(maskSecretText('token=correct', [secret], 4), `token=${SECRET_MASK}`);
    assert.equal(maskSecretText('-horse and more', [secret], 4), `${SECRET_MASK} and more`);
    assert.equal(maskSecretText('ends with cor', [secret], 4), 'ends with cor', 'a 3-character start is left');
    assert.equal(maskSecretText('plain text', [secret], 4), 'plain text');
  });
});
