// How the server hands out the web console: the build's brotli and gzip copies to a
// browser that accepts them (and the file itself to one that does not), hashed assets
// cached for good, index.html revalidated by ETag, and the app's HTML only for page
// navigations: anything else asking for a path that is not there gets the API's 404.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(repoRoot, 'web', 'dist');
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers (fetch() would add and undo an Accept-Encoding of its own). */
function get(url: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((done, fail) => {
    const request = http.get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', fail);
    });
    request.on('error', fail);
  });
}

const varies = (reply: RawReply) =>
  String(reply.headers.vary ?? '')
    .toLowerCase()
    .split(/\s*,\s*/)
    .includes('accept-encoding');

describe('web console delivery', () => {
  let server: TestServer;
  let asset = '';

  before(async () => {
    // `npm ci` builds the UI with its compressed copies; a checkout without a build gets one.
    if (!existsSync(join(dist, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
    else if (!readdirSync(join(dist, 'assets')).some((name) => name.endsWith('.br'))) execFileSync(process.execPath, [join(repoRoot, 'scripts', 'compress-web.ts')], { stdio: 'inherit' });
    // The largest script: certainly above the size under which no copy is written.
    const scripts = readdirSync(join(dist, 'assets')).filter((name) => name.endsWith('.js'));
    asset = scripts.sort((a, b) => readFileSync(join(dist, 'assets', b)).length - readFileSync(join(dist, 'assets', a)).length)[0]!;
    server = await startTestServer({ executor: false });
  });

  after(async () => {
    await server?.close();
  });

  test('a hashed asset comes as brotli, gzip or itself, as the browser accepts, and is cached for good', async () => {
    const original = readFileSync(join(dist, 'assets', asset));
    const url = `${server.url}/assets/${asset}`;

    const brotli = await get(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(brotli.status, 200);
    assert.equal(brotli.headers['content-encoding'], 'br');
    assert.match(String(brotli.headers['content-type']), /javascript/);
    assert.ok(brotli.body.length < original.length / 2, `brotli copy of ${original.length} bytes is ${brotli.body.length}`);
    assert.deepEqual(brotliDecompressSync(brotli.body), original);

    const gzip = await get(url, { 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gzip.body), original);

    for (const headers of [{}, { 'accept-encoding': 'identity' }] as Array<Record<string, string>>) {
      const plain = await get(url, headers);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['content-encoding'], undefined, JSON.stringify(headers));
      assert.deepEqual(plain.body, original);
    }

    for (const reply of [brotli, gzip]) {
      assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.ok(varies(reply), `vary: ${reply.headers.vary}`);
    }
  });

  test('index.html is revalidated on every load and answers a matching ETag with 304', async () => {
    // '/' opens the dashboard: index.html with the dashboard's chunks named (modulepreload
    // links, made by the server); /no-such-page opens no listed page: index.html as built.
    for (const [path, encoding] of ['/', '/no-such-page'].flatMap((page) => ['br', 'gzip', 'identity'].map((coding) => [page, coding] as const))) {
      const first = await get(`${server.url}${path}`, { accept: browserAccept, 'accept-encoding': encoding });
      assert.equal(first.status, 200);
      assert.equal(first.headers['cache-control'], 'no-cache');
      assert.ok(varies(first));
      const etag = first.headers.etag;
      assert.ok(etag, `an ETag (${encoding})`);
      const html = encoding === 'br' ? brotliDecompressSync(first.body) : encoding === 'gzip' ? gunzipSync(first.body) : first.body;
      const built = readFileSync(join(dist, 'index.html'), 'utf8');
      if (path === '/') {
        assert.equal(first.headers['content-encoding'], encoding === 'identity' ? undefined : encoding);
        const text = html.toString();
        assert.equal(text.replace(/ {4}<link rel="modulepreload" crossorigin href="\/assets\/[^"]+">\n/g, ''), built.replace(/ {4}<link rel="modulepreload" crossorigin href="\/assets\/[^"]+">\n/g, ''));
        assert.match(text, /<link rel="modulepreload" crossorigin href="\/assets\/dashboard-[\w-]+\.js">/);
      } else assert.equal(html.toString(), built);

      const again = await get(`${server.url}${path}`, { accept: browserAccept, 'accept-encoding': encoding, 'if-none-match': etag });
      assert.equal(again.status, 304, `${path} ${encoding}`);
      assert.equal(again.body.length, 0);
      const changed = await get(`${server.url}${path}`, { accept: browserAccept, 'accept-encoding': encoding, 'if-none-match': '"something-else"' });
      assert.equal(changed.status, 200);
    }
  });

  test('a page navigation to a client route gets the app', async () => {
    for (const path of ['/tasks', '/tasks/some/deep/link', '/executions/0193-not-checked', '/no-such-page']) {
      const reply = await get(`${server.url}${path}`, { accept: browserAccept });
      assert.equal(reply.status, 200, path);
      assert.match(String(reply.headers['content-type']), /text\/html/);
      assert.match(reply.body.toString(), /<div id="root">/);
    }
  });

  test('a request that is not a page navigation gets a JSON 404 for a path that is not there', async () => {
    for (const [path, accept] of [
      ['/no-such-page', '*/*'],
      ['/tasks/some/deep/link', 'application/json'],
      ['/probe/health.txt', undefined],
      ['/favicon.ico', 'image/avif,image/webp,*/*'],
      ['/tasks', 'text/html;q=0, */*'],
    ] as const) {
      const reply = await get(`${server.url}${path}`, accept === undefined ? {} : { accept });
      assert.equal(reply.status, 404, `${path} with Accept ${accept}`);
      assert.match(String(reply.headers['content-type']), /application\/json/);
      const body = JSON.parse(reply.body.toString()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'not_found');
      assert.doesNotMatch(reply.body.toString(), /<div id="root">/);
    }
  });

  test('unknown API paths and missing assets stay 404 even for a browser', async () => {
    for (const path of ['/api/v1/no-such-thing', '/assets/no-such-file-0123.js']) {
      const reply = await get(`${server.url}${path}`, { accept: browserAccept, authorization: `Bearer ${server.token}` });
      assert.equal(reply.status, 404, path);
      assert.equal((JSON.parse(reply.body.toString()) as { error: { code: string } }).error.code, 'not_found');
    }
  });

  test('a file outside assets/ that exists is served to anyone, with a short cache lifetime', async () => {
    const favicon = await get(`${server.url}/favicon.svg`, { accept: 'image/*' });
    assert.equal(favicon.status, 200);
    assert.equal(favicon.headers['cache-control'], 'public, max-age=3600');
  });
});
