// The published package, as a user gets it: `npm pack`, installed into an empty folder,
// then `npx cronfleet` from there (issue 18). The installed CLI runs the compiled
// JavaScript on the Node.js it finds on PATH: the one running this test, or the one named
// by CRONFLEET_PACKAGE_TEST_NODE (e.g. a Node 22 binary: the package supports 22 and 24).
//
// The tarball is packed from this checkout's dist/ and web/dist/ (--ignore-scripts: the
// test does not rebuild the console on every run); dist/ is rebuilt first when a source is
// newer than its stamp, as bin/cronfleet would notice.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const node = process.env.CRONFLEET_PACKAGE_TEST_NODE ?? process.execPath;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
/** The command the package installs (package.json "bin"). */
const command = Object.keys(manifest.bin)[0]!;
/** npx's arguments for `cronfleet ARGS` from the install (--no: never download it). */
const npxArgs = (...args: string[]) => ['--no', '--', command, ...args];

/** The user's environment: their Node first on PATH, nothing of this checkout's or the test runner's. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('CRONFLEET_') || key.startsWith('NODE_TEST') || key.startsWith('npm_') || key === 'NODE_OPTIONS' || key === 'NODE_COMPILE_CACHE') continue;
    env[key] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((part) => !part.startsWith(root));
  env.PATH = [dirname(node), ...path].join(delimiter);
  return env;
}

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : entry.name.endsWith('.ts') ? statSync(path).mtimeMs : 0);
  }
  return newest;
}

async function exec(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  try {
    const { stdout } = await run(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`, { cause: error });
  }
}

/** The temp folder, and the folder the tarball is installed into. */
let work: string;
let install: string;

describe('the npm package, packed and installed into an empty folder', () => {
  let files: string[];

  before(async () => {
    const stamp = join(root, 'dist', '.build-complete');
    if (!existsSync(stamp) || newestSource(join(root, 'src')) > statSync(stamp).mtimeMs) {
      await exec('npm', ['run', 'build'], { cwd: root, env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` } });
    }
    assert.ok(existsSync(join(root, 'web', 'dist', 'index.html')), 'web/dist is built (npm run build:web)');
    work = mkdtempSync(join(tmpdir(), 'cronfleet-package-'));
    const packed = JSON.parse(await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed[0]!.files.map((file) => file.path);
    install = join(work, 'install');
    mkdirSync(install);
    writeFileSync(join(install, 'package.json'), '{ "private": true }\n');
    // From the local npm cache when it holds every dependency (this checkout installed them).
    await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], { cwd: install, env: userEnv() });
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled program, the console and the launcher, and no sources, tests or source maps', () => {
    for (const needed of [
      'bin/cronfleet',
      'dist/.build-complete',
      'dist/cli/main.js',
      'dist/cli/executor-agent.js',
      'dist/server/server.js',
      'web/dist/index.html',
      'web/dist-server/entry-server.js',
      'dist/sdk/index.d.ts',
      'package.json',
      'README.md',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    const stray = files.filter((path) => /^(src|test|scripts|bench|deploy|web\/src)\//.test(path) || path.endsWith('.map') || (path.endsWith('.ts') && !path.endsWith('.d.ts')));
    assert.deepEqual(stray, []);
    const installed = JSON.parse(readFileSync(join(install, 'node_modules', 'cronfleet', 'package.json'), 'utf8')) as Record<string, any>;
    assert.equal(installed.private, undefined);
    assert.equal(installed.dependencies.node, undefined, 'no Node.js binary is installed with the package');
    assert.ok(!existsSync(join(install, 'node_modules', 'node')), 'no Node.js binary is installed with the package');
  });

  it('npx cronfleet --version and executor --help run from the install', async () => {
    const env = userEnv();
    const version = await exec('npx', npxArgs('--version'), { cwd: install, env });
    assert.equal(version.trim(), manifest.version);
    const help = await exec('npx', npxArgs('executor', '--help'), { cwd: install, env });
    assert.match(help, /Usage: cronfleet executor/);
    assert.match(help, /--token <token>/);
  });

  it("the SDK's types resolve from the install: a TypeScript program using cronfleet/sdk type-checks, and a wrong use fails", async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types')];
    writeFileSync(join(install, 'good.ts'), "import { defineHandler, type HandlerContext } from 'cronfleet/sdk';\nexport const handler = defineHandler(async (context: HandlerContext) => context.parameters);\n");
    writeFileSync(join(install, 'bad.ts'), "import { defineHandler } from 'cronfleet/sdk';\nexport const handler: number = defineHandler(async () => 1);\n");
    // One compiler run for both: the only error is the wrong use.
    const failure = await exec(process.execPath, [tsc, ...options, 'good.ts', 'bad.ts'], { cwd: install }).then(
      () => '',
      (error: Error) => error.message,
    );
    assert.deepEqual(failure.match(/^\w+\.ts\(\d+,\d+\): error TS\d+/gm), ['bad.ts(2,14): error TS2322'], failure);
  });

  it('a production install of the checkout (npm ci --omit=dev, as the image does) installs without the dev tools and runs the build', async () => {
    const production = join(work, 'production');
    mkdirSync(production);
    for (const name of ['package.json', 'package-lock.json']) writeFileSync(join(production, name), readFileSync(join(root, name)));
    const env = userEnv();
    const { stderr } = await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: production, env, maxBuffer: 16 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
      throw new Error(`npm ci --omit=dev failed: ${error.message}\n${error.stderr ?? ''}`, { cause: error });
    });
    assert.match(stderr, /no dev tools \(npm ci --omit=dev\): not building/, 'prepare skips the build instead of failing on tsc');
    assert.ok(!existsSync(join(production, 'node_modules', 'typescript')) && !existsSync(join(production, 'node_modules', 'node')), 'no dev dependency installed');
    for (const part of ['bin', 'dist', join('web', 'dist')]) cpSync(join(root, part), join(production, part), { recursive: true });
    const version = await exec(join(production, 'bin', 'cronfleet'), ['--version'], { cwd: production, env });
    assert.equal(version.trim(), manifest.version);
  });

  it('npx cronfleet up serves the console and the API and runs a triggered task; npx cronfleet executor runs one too; both stop on SIGTERM', async () => {
    const dataDir = join(work, 'data');
    const up = startInstalled(['up', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn']);
    let agent: ReturnType<typeof startInstalled> | null = null;
    try {
      const url = await up.waitFor(/listening on (http:\/\/\S+)/);
      const token = /admin token was created\. It is shown only this once:\s+(\S+)/.exec(up.output())?.[1];
      assert.ok(token, `the first start prints the admin token:\n${up.output()}`);
      assert.equal(token, readFileSync(join(dataDir, 'admin-token'), 'utf8').trim());
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      };
      const runTask = async (task: Record<string, unknown>) => {
        const created = await api('POST', '/tasks', task);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const triggered = await api('POST', `/tasks/${created.body.id}/trigger`, {});
        assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
        let execution: Record<string, any> = triggered.body;
        for (const until = Date.now() + 30_000; !['success', 'failed', 'timeout', 'cancelled'].includes(execution.status) && Date.now() < until;) {
          await new Promise((wait) => setTimeout(wait, 200));
          execution = (await api('GET', `/executions/${triggered.body.id}`)).body;
        }
        assert.equal(execution.status, 'success', JSON.stringify(execution));
        assert.equal(execution.exit_code, 0);
        const logs = await fetch(`${url}/api/v1/executions/${execution.id}/logs`, { headers: { authorization: `Bearer ${token}` } });
        return { execution, logs: await logs.text() };
      };
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/, 'the console is served from the package');
      assert.match((await runTask({ name: 'from-the-package', command: 'echo', args: ['packed and installed'] })).logs, /packed and installed/);
      // The console's renderer runs from the package too: a signed-in browser's task list comes drawn.
      const password = /Its password is shown only this once:\s+(\S+)/.exec(up.output())?.[1];
      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      assert.equal(login.status, 200, up.output());
      const view = encodeURIComponent(JSON.stringify({ language: 'en', timeZone: 'UTC', timeZoneChoice: 'browser', colorScheme: 'light' }));
      const drawn = await fetch(`${url}/tasks`, { headers: { accept: 'text/html', cookie: `${(login.headers.get('set-cookie') ?? '').split(';')[0]}; cronfleet_view=${view}` } });
      assert.match(await drawn.text(), /<div id="root">.*from-the-package.*<script type="application\/json" id="cronfleet-state">/s);

      // An agent from the same install, settings from the environment; a task only it may run.
      const enrolled = await api('POST', '/executor-tokens', { name: 'packaged-agent' });
      assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
      const env = { CRONFLEET_SERVER: url, CRONFLEET_EXECUTOR_TOKEN: enrolled.body.token as string, CRONFLEET_EXECUTOR_NAME: 'packaged-agent', CRONFLEET_LABELS: 'where=agent' };
      agent = startInstalled(['executor', '--data-dir', join(work, 'agent-data')], env);
      let online: Record<string, any> | undefined;
      for (const until = Date.now() + 30_000; !online && Date.now() < until;) {
        await new Promise((wait) => setTimeout(wait, 200));
        online = ((await api('GET', '/executors')).body.items as Array<Record<string, any>>).find((executor) => executor.name === 'packaged-agent' && executor.status === 'online');
      }
      assert.ok(online, `the agent connects\n${agent.output()}`);
      const { execution } = await runTask({ name: 'on-the-agent', command: 'echo', args: ['agent'], executor_labels: { where: 'agent' } });
      assert.equal(execution.executor_id, online.id);

      await agent.stop();
      assert.match(agent.output(), /SIGTERM: stopping executor/);
      await up.stop();
      assert.match(up.output(), /SIGTERM: shutting down/);
      await assert.rejects(fetch(`${url}/healthz`), 'the server is gone');
    } finally {
      await agent?.stop();
      await up.stop();
    }
  });
});

/**
 * `npx cronfleet ARGS` from the install, in a process group of its own: npm exec does not
 * pass SIGTERM on, so stop() signals the group (npx, its shell and cronfleet) and waits
 * until every writer of its output is gone.
 */
function startInstalled(args: string[], env: Record<string, string> = {}) {
  const child = spawn('npx', npxArgs(...args), {
    cwd: install,
    env: { ...userEnv(), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const closed = new Promise<void>((done) => child.stdout.once('close', () => done()));
  return {
    output: () => output,
    /** The first group of the first match in the output. */
    waitFor: (pattern: RegExp) =>
      new Promise<string>((found, reject) => {
        const timer = setTimeout(() => reject(new Error(`npx cronfleet ${args.join(' ')} printed no ${pattern}:\n${output}`)), 60_000);
        const look = () => {
          const match = pattern.exec(output);
          if (match) {
            clearTimeout(timer);
            found(match[1]!);
          }
        };
        child.stdout.on('data', look);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`npx cronfleet ${args.join(' ')} exited with ${code}:\n${output}`));
        });
      }),
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      await closed;
    },
  };
}
