// The deployment files (issue 18): Dockerfile, compose.yaml, the Helm chart and the systemd
// units. This machine runs no Docker daemon and no Kubernetes, so this checks what can be
// checked here: every CRONFLEET_* variable and agent flag they use exists, compose.yaml
// parses into the services the README promises, every .Values path a template reads is in
// values.yaml, the image's health check answers for a real server and an agent, and the
// units pass `systemd-analyze verify` (when systemd-analyze is installed). The chart is
// linted and rendered only when `helm` is on PATH (or named by HELM); otherwise that test
// is skipped, and says so.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { configKeyPaths } from '../../src/config/config.ts';
import { executorKeys } from '../../src/config/executor-settings.ts';
import { startTestServer } from '../helpers/server.ts';
import { cliPath } from '../cli/run-cli.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const chart = join(root, 'deploy', 'helm', 'cronfleet');
const templates = readdirSync(join(chart, 'templates')).map((name) => ({ name, text: readFileSync(join(chart, 'templates', name), 'utf8') }));
const units = ['cronfleet-server', 'cronfleet-executor'];
const work = mkdtempSync(join(tmpdir(), 'cronfleet-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every deployment file, by name. */
const files: Array<{ name: string; text: string }> = [
  { name: 'Dockerfile', text: read('Dockerfile') },
  { name: 'compose.yaml', text: read('compose.yaml') },
  { name: 'values.yaml', text: read('deploy/helm/cronfleet/values.yaml') },
  ...templates.map((template) => ({ name: `templates/${template.name}`, text: template.text })),
  ...units.flatMap((unit) => [
    { name: `${unit}.service`, text: read(`deploy/systemd/${unit}.service`) },
    { name: `${unit}.env`, text: read(`deploy/systemd/${unit}.env`) },
  ]),
];

describe('deployment files', () => {
  it('use only CRONFLEET_* variables the server, the agent or the CLI reads', () => {
    const known = new Set([
      ...configKeyPaths.map((path) => `CRONFLEET_${path.toUpperCase().replace(/\./g, '_')}`),
      ...executorKeys.map((key) => key.env),
      'CRONFLEET_TOKEN', // the CLI's API token
    ]);
    const used = new Set<string>();
    for (const file of files) {
      for (const [name] of file.text.matchAll(/CRONFLEET_[A-Z0-9_]+/g)) {
        used.add(name);
        assert.ok(known.has(name), `${file.name} sets ${name}, which nothing reads`);
      }
    }
    // The ones a cluster cannot run without are among them.
    for (const needed of ['CRONFLEET_DATABASE', 'CRONFLEET_SECRET_KEY', 'CRONFLEET_ADMIN_TOKEN', 'CRONFLEET_SERVER', 'CRONFLEET_EXECUTOR_TOKEN']) assert.ok(used.has(needed), needed);
  });

  it('give `cronfleet executor` and `cronfleet server` only flags they have', async () => {
    const help = async (command: string) => (await run(cliPath, [command, '--help'], { cwd: work })).stdout;
    const flags = { executor: await help('executor'), server: await help('server') };
    const invocations = [
      ...Object.values(parse(read('compose.yaml'), { merge: true }).services as Record<string, { command?: unknown }>)
        .map((service) => service.command)
        .filter((command): command is string[] => Array.isArray(command) && typeof command[0] === 'string' && command[0] in flags),
      ...units.map((unit) => /^ExecStart=\S+ (.*)$/m.exec(read(`deploy/systemd/${unit}.service`))![1]!.split(' ')),
      ...templates.flatMap((template) => [...template.text.matchAll(/args: \['(\w+)'\]/g)].map((match) => [match[1]!])),
      [/^CMD \["(\w+)"\]/m.exec(read('Dockerfile'))![1]!],
    ];
    assert.ok(invocations.length >= 7, JSON.stringify(invocations));
    for (const [command, ...args] of invocations) {
      assert.ok(command === 'server' || command === 'executor', `${command} is a long-running command`);
      for (const flag of args.filter((arg) => arg.startsWith('-'))) assert.match(flags[command], new RegExp(`\\s${flag}[ ,]`), `cronfleet ${command} has ${flag}`);
    }
  });

  it('compose.yaml: PostgreSQL, two servers sharing one secret key, an enrollment step and two agents', () => {
    const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Record<string, any>>; volumes: Record<string, unknown> };
    const { services } = compose;
    assert.deepEqual(Object.keys(services).sort(), ['agent-1', 'agent-2', 'enroll', 'postgres', 'server-1', 'server-2']);
    const servers = [services['server-1']!, services['server-2']!];
    for (const server of servers) {
      assert.deepEqual(server.command, ['server']);
      assert.match(server.environment.CRONFLEET_DATABASE, /^postgres:\/\/cronfleet:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/cronfleet$/);
      assert.equal(server.depends_on.postgres.condition, 'service_healthy');
    }
    assert.equal(servers[0]!.environment.CRONFLEET_SECRET_KEY, servers[1]!.environment.CRONFLEET_SECRET_KEY, 'one secret_key for both');
    assert.match(servers[0]!.environment.CRONFLEET_SECRET_KEY, /^\$\{CRONFLEET_SECRET_KEY:\?/, 'required from .env, never a default');
    assert.notEqual(servers[0]!.environment.CRONFLEET_INSTANCE_ID, servers[1]!.environment.CRONFLEET_INSTANCE_ID);
    assert.notDeepEqual(servers[0]!.ports, servers[1]!.ports);
    for (const name of ['agent-1', 'agent-2']) {
      const agent = services[name]!;
      assert.equal(agent.command[0], 'executor');
      assert.equal(agent.environment.CRONFLEET_SERVER, 'http://server-1:8080,http://server-2:8080');
      assert.equal(agent.environment.CRONFLEET_EXECUTOR_NAME, name);
      assert.equal(agent.depends_on.enroll.condition, 'service_completed_successfully');
    }
    assert.match(services.enroll!.command[0], /cronfleet executor-token create --name \S+ --server http:\/\/server-1:8080/);
    // Every named volume a service mounts is declared.
    for (const [name, service] of Object.entries(services)) {
      for (const mount of (service.volumes ?? []) as string[]) {
        const source = mount.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) assert.ok(source in compose.volumes, `${name} mounts undeclared volume ${source}`);
      }
    }
  });

  it('Dockerfile: a build stage, a runtime stage on node:24-slim as a non-root user, one entry point, /healthz checked', () => {
    const dockerfile = read('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    assert.deepEqual(stages, ['node:24-slim', 'node:24-slim']);
    assert.match(dockerfile, /^USER cronfleet$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*healthcheck\.mjs/m);
    assert.match(dockerfile, /^ENTRYPOINT \["cronfleet"\]$/m);
    assert.match(dockerfile, /^RUN npm ci --omit=dev/m);
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of source!.split(' ')) {
        assert.ok(existsSync(join(root, path)), `COPY ${path}: exists`);
        assert.ok(!ignored.some((pattern) => path === pattern || path.startsWith(`${pattern}/`)), `COPY ${path}: not in .dockerignore`);
      }
    }
    for (const heavy of ['**/node_modules', 'dist', 'web/dist', 'test', '.git']) assert.ok(ignored.includes(heavy), `.dockerignore leaves out ${heavy}`);
  });

  it("the image's health check: 0 for a server answering /healthz, 1 for none, 0 for an agent", async () => {
    const check = async (port: number, command: string) => {
      const cmdline = join(work, `cmdline-${command}`);
      writeFileSync(cmdline, ['node', '/opt/cronfleet/dist/cli/main.js', command, ''].join('\0'));
      return run(process.execPath, [join(root, 'deploy', 'docker', 'healthcheck.mjs'), cmdline], { env: { ...process.env, CRONFLEET_PORT: String(port) } }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    };
    const t = await startTestServer({ executor: false });
    try {
      const port = Number(new URL(t.url).port);
      assert.equal(await check(port, 'server'), 0);
    } finally {
      await t.close();
    }
    const closedPort = Number(new URL(t.url).port);
    assert.equal(await check(closedPort, 'server'), 1);
    assert.equal(await check(closedPort, 'executor'), 0);
  });

  it('Helm chart: metadata, every .Values path a template reads is in values.yaml, the probes and objects asked for', () => {
    const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    assert.equal(meta.apiVersion, 'v2');
    assert.equal(meta.name, 'cronfleet');
    assert.equal(meta.appVersion, JSON.parse(read('package.json')).version);
    const values = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    for (const template of templates) {
      for (const [, path] of template.text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        let node: unknown = values;
        for (const part of path!.split('.')) {
          assert.ok(typeof node === 'object' && node !== null && part in node, `${template.name} reads .Values.${path}, not in values.yaml`);
          node = (node as Record<string, unknown>)[part];
        }
      }
    }
    const byName = new Map(templates.map((template) => [template.name, template.text]));
    const server = byName.get('server-deployment.yaml')!;
    assert.match(server, /livenessProbe:\s+httpGet:\s+path: \/healthz/);
    assert.match(server, /readinessProbe:\s+httpGet:\s+path: \/readyz/);
    assert.match(byName.get('agent-deployment.yaml')!, /kind: Deployment/);
    assert.match(byName.get('secret.yaml')!, /secret-key:[\s\S]*admin-token:/);
    assert.match(byName.get('service.yaml')!, /kind: Service/);
    assert.match(byName.get('ingress.yaml')!, /\{\{- if \.Values\.ingress\.enabled \}\}[\s\S]*kind: Ingress/);
    assert.match(byName.get('pdb.yaml')!, /kind: PodDisruptionBudget/);
  });

  it('Helm chart: helm lint passes, and helm template renders it with PostgreSQL, with MySQL and with existing Secrets', async (t) => {
    // HELM names a helm binary that is not on PATH.
    const helm = process.env.HELM ?? 'helm';
    if (!process.env.HELM && !onPath('helm')) {
      t.skip('helm is not installed here: the templates were not rendered');
      return;
    }
    const required = ['--set', 'secretKey=a2V5', '--set', 'adminToken=t'];
    await run(helm, ['lint', chart, '--strict', '--set', 'database.url=postgres://u:p@db:5432/cronfleet', ...required]);
    const render = async (...sets: string[]) => {
      const { stdout } = await run(helm, ['template', 'cf', chart, ...sets]);
      return parseAllDocuments(stdout)
        .map((document) => document.toJSON() as Record<string, any> | null)
        .filter((object): object is Record<string, any> => Boolean(object?.kind));
    };
    const kinds = (objects: Array<Record<string, any>>) => objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    const postgres = await render('--set', 'database.url=postgres://u:p@db:5432/cronfleet', ...required, '--set', 'agent.token=cfe_x', '--set', 'ingress.enabled=true');
    assert.deepEqual(kinds(postgres), [
      'Deployment/cf-cronfleet-agent',
      'Deployment/cf-cronfleet-server',
      'Ingress/cf-cronfleet',
      'PodDisruptionBudget/cf-cronfleet-server',
      'Secret/cf-cronfleet',
      'Secret/cf-cronfleet-agent',
      'Service/cf-cronfleet',
    ]);
    const server = postgres.find((object) => object.metadata.name === 'cf-cronfleet-server' && object.kind === 'Deployment')!.spec.template.spec.containers[0];
    assert.deepEqual(server.args, ['server']);
    assert.equal(server.livenessProbe.httpGet.path, '/healthz');
    assert.equal(server.readinessProbe.httpGet.path, '/readyz');
    const env = (container: Record<string, any>) => new Map((container.env as Array<{ name: string; value?: string; valueFrom?: any }>).map((entry) => [entry.name, entry]));
    assert.deepEqual(env(server).get('CRONFLEET_SECRET_KEY')!.valueFrom, { secretKeyRef: { name: 'cf-cronfleet', key: 'secret-key' } });
    assert.deepEqual(env(server).get('CRONFLEET_DATABASE')!.valueFrom, { secretKeyRef: { name: 'cf-cronfleet', key: 'database-url' } });
    const agent = postgres.find((object) => object.metadata.name === 'cf-cronfleet-agent' && object.kind === 'Deployment')!.spec.template.spec.containers[0];
    assert.deepEqual(agent.args, ['executor']);
    assert.equal(env(agent).get('CRONFLEET_SERVER')!.value, 'http://cf-cronfleet:8080');
    assert.equal(postgres.find((object) => object.kind === 'Secret' && object.metadata.name === 'cf-cronfleet')!.stringData['database-url'], 'postgres://u:p@db:5432/cronfleet');

    const mysql = await render('--set', 'database.url=mysql://u:p@db:3306/cronfleet', ...required);
    assert.deepEqual(kinds(mysql), ['Deployment/cf-cronfleet-server', 'PodDisruptionBudget/cf-cronfleet-server', 'Secret/cf-cronfleet', 'Service/cf-cronfleet'], 'no agents until a token is set');
    assert.equal(mysql.find((object) => object.kind === 'Secret')!.stringData['database-url'], 'mysql://u:p@db:3306/cronfleet');

    const existing = await render('--set', 'existingSecret=mine', '--set', 'database.existingSecret=db', '--set', 'agent.existingSecret=agents');
    assert.deepEqual(kinds(existing), ['Deployment/cf-cronfleet-agent', 'Deployment/cf-cronfleet-server', 'PodDisruptionBudget/cf-cronfleet-server', 'Service/cf-cronfleet'], 'no Secret of its own');
    const fromExisting = env(existing.find((object) => object.kind === 'Deployment' && object.metadata.name === 'cf-cronfleet-server')!.spec.template.spec.containers[0]);
    assert.deepEqual(fromExisting.get('CRONFLEET_DATABASE')!.valueFrom, { secretKeyRef: { name: 'db', key: 'database-url' } });
    assert.deepEqual(fromExisting.get('CRONFLEET_ADMIN_TOKEN')!.valueFrom, { secretKeyRef: { name: 'mine', key: 'admin-token' } });

    // Without a database or a secret key the chart refuses, naming what is missing.
    await assert.rejects(run(helm, ['template', 'cf', chart, ...required]), /database\.url \(postgres:\/\/\.\.\. or mysql:\/\/\.\.\.\) or database\.existingSecret is required/);
    await assert.rejects(run(helm, ['template', 'cf', chart, '--set', 'database.url=postgres://db/c', '--set', 'adminToken=t']), /secretKey is required/);
  });

  for (const unit of units) {
    it(`systemd: ${unit}.service passes systemd-analyze verify with no warning`, async (t) => {
      if (!onPath('systemd-analyze')) {
        t.skip('systemd-analyze is not installed here: the unit was not verified');
        return;
      }
      // verify wants ExecStart's program to exist and the EnvironmentFile to be readable:
      // a stand-in for the installed cronfleet, and the example environment file.
      const program = join(work, 'cronfleet');
      writeFileSync(program, '#!/bin/sh\n');
      chmodSync(program, 0o755);
      const path = join(work, `${unit}.service`);
      writeFileSync(
        path,
        read(`deploy/systemd/${unit}.service`)
          .replace(/^ExecStart=\S+/m, `ExecStart=${program}`)
          .replace(/^EnvironmentFile=\S+/m, `EnvironmentFile=${join(root, 'deploy', 'systemd', `${unit}.env`)}`),
      );
      const { stdout, stderr } = await run('systemd-analyze', ['verify', path]);
      assert.equal(`${stdout}${stderr}`, '', 'no warning');
      assert.match(read(`deploy/systemd/${unit}.service`), /^NoNewPrivileges=yes$/m);
      assert.match(read(`deploy/systemd/${unit}.service`), /^ProtectSystem=(strict|full)$/m);
    });
  }
});
