// The web UI: the Vite build in web/dist, served at `/` by every instance. Client-side
// routes (/tasks/…, /executions/…) get index.html; /api and /ws paths never do — an
// unknown one stays a JSON 404 (told only to a signed-in caller, auth.ts); the same for
// every other first segment the server's routes use (/metrics, /healthz…). Paths are
// judged as the router decoded them (the wildcard parameter), normalised, never as the
// URL text: /%61pi/…, /API/…, /x/../api/…, /;m/api/… and /api;x/… are all server paths.
// A path that is neither a file nor the server's gets index.html only when it is a page
// navigation (Accept names text/html): a script, a probe or an HTTP task asking for a
// missing URL gets the API's JSON 404, not the app with a 200.
// index.html for a console page names that page's chunks as modulepreload links
// (web-ui-pages.ts), so they load beside the app instead of after it; a signed-in browser
// gets the most opened pages drawn, with their data (web-ui-render.ts).
// Hashed assets are cached for good, index.html is revalidated on every load (ETag, 304),
// so a new build is picked up on the next page load. Each file goes out as the brotli or
// gzip copy the build wrote beside it (scripts/compress-web.ts) when the browser accepts
// it (Vary: Accept-Encoding), as itself otherwise. Built after the server started? Files
// are looked up per request, so no restart is needed.
import { existsSync, statSync } from 'node:fs';
import { join, normalize, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { declaredRoutes } from './access.ts';
import { htmlEncoding, pageHtmlLookup } from './web-ui-pages.ts';
import { pageRenderer, withRenderedPage } from './web-ui-render.ts';

/** A drawn page compressed as it goes out: fast settings, it is made for one response. */
function compressed(html: string, encoding: 'br' | 'gzip' | 'identity'): Buffer {
  const body = Buffer.from(html);
  if (encoding === 'br') return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  if (encoding === 'gzip') return gzipSync(body, { level: 6 });
  return body;
}

const defaultRoot = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Shown when the UI has not been built: plain HTML, no script (the CSP allows none inline). */
const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cronfleet</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; padding: 0 1rem">
<h1>cronfleet</h1>
<p>The scheduler is running, but the web UI has not been built. Run <code>npm run build:web</code> (or <code>npm ci</code>) and reload this page.</p>
<p lang="zh-CN">调度器正在运行，但 Web 界面尚未构建。请运行 <code>npm run build:web</code>（或 <code>npm ci</code>）后刷新本页。</p>
<p>REST API: <code>/api/v1</code> · OpenAPI: <a href="/api/docs">/api/docs</a> · <a href="/healthz">/healthz</a></p>
</body></html>
`;

/**
 * The decoded path normalised: backslashes as slashes, `;matrix` parts dropped from
 * every segment (some servers and proxies ignore them), dot segments resolved, repeated
 * slashes joined. Starts with '/'.
 */
function normalisedPath(decoded: string): string {
  return posix.normalize(`/${decoded.replace(/\\/g, '/').replace(/;[^/]*/g, '')}`);
}

/** A first path segment as a lenient reader would take it: lower case, up to the first character that is not a letter, digit, _ or -. */
function segmentKey(segment: string): string {
  // NFKC: a full-width "ａｐｉ" is "api" to a reader that folds compatibility forms.
  return /^[\p{L}\p{N}_-]*/u.exec(segment.normalize('NFKC').toLowerCase())![0];
}

/**
 * The first segments of the server's own routes (api, ws, metrics, healthz, readyz, …),
 * read from the declared routes so that a new one is covered without an edit here.
 */
function serverSegments(app: FastifyInstance): Set<string> {
  const segments = new Set<string>();
  for (const route of declaredRoutes(app)) {
    if (route.url === '/' || route.url === '/*' || !route.url.startsWith('/')) continue;
    segments.add(segmentKey(route.url.split('/')[1] ?? ''));
  }
  segments.delete('');
  return segments;
}

/**
 * Whether a normalised path is the server's, not the UI's: its first segment names one of
 * the server's own routes in any case and whatever follows it (`/API`, `/api.`, `/Metrics/`).
 * index.html must never answer for one: the caller asked for the server, not the app.
 */
function isServerPath(path: string, segments: ReadonlySet<string>): boolean {
  // Judged again after each further decoding (%2561pi is %61pi is api): a proxy in front
  // may decode once more than the router did.
  let current = path;
  for (let round = 0; round < 4; round++) {
    if (segments.has(segmentKey(current.split('/')[1] ?? ''))) return true;
    if (!/%[0-9a-f]{2}/i.test(current)) return false;
    try {
      current = normalisedPath(decodeURIComponent(current));
    } catch {
      return true; // undecodable: not a path of the UI's either
    }
  }
  return true;
}

/** The file under root a decoded, normalised path names, or null (missing, a directory, or outside root). */
function fileUnder(root: string, path: string): string | null {
  if (path.includes('\0')) return null;
  const relative = normalize(path).replace(/^([/\\])+/, '');
  const absolute = join(root, relative);
  if (!absolute.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    return statSync(absolute).isFile() ? relative : null;
  } catch {
    return null;
  }
}

/** Whether the request is a page navigation: its Accept names text/html (a browser's does; fetch()'s `*\/*` does not). */
function acceptsHtml(accept: string | undefined): boolean {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'text/html') continue;
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (quality === undefined || Number(quality.slice(2)) > 0) return true;
  }
  return false;
}

export async function registerWebUi(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? defaultRoot;
  // serve: false — only reply.sendFile; the route below decides what each path gets.
  // preCompressed: sendFile picks file.br / file.gz by Accept-Encoding and adds Vary.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  const pageHtml = pageHtmlLookup(root);
  const renderPage = pageRenderer(app, join(root, '..', 'dist-server', 'entry-server.js'));
  /**
   * index.html for a page path: drawn with its data for a signed-in browser when the server
   * draws that page (web-ui-render.ts); else with the page's chunks named when the build
   * lists the page; else as built.
   */
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply, path: string) => {
    if (!existsSync(join(root, 'index.html'))) return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage);
    const page = pageHtml(path);
    if (page === null) return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    const encoding = htmlEncoding(request.headers['accept-encoding']);
    const drawn = await renderPage(request, path);
    if (drawn !== null) {
      // One person's data: kept by no cache.
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('vary', 'Accept-Encoding, Cookie');
      if (encoding !== 'identity') reply.header('content-encoding', encoding);
      return reply.send(compressed(withRenderedPage(page.text, drawn), encoding));
    }
    reply.header('cache-control', 'no-cache');
    reply.type('text/html; charset=utf-8').header('vary', 'Accept-Encoding, Cookie').header('etag', page.etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === page.etag)) return reply.code(304).send();
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply.send(page[encoding]);
  };

  // Read once every route is registered; api and ws hold even before then.
  let segments: ReadonlySet<string> = new Set(['api', 'ws']);
  app.addHook('onReady', async () => {
    segments = new Set([...segments, ...serverSegments(app)]);
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) => sendIndex(request, reply, '/'));
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    // The path as the router decoded it (the wildcard), never the URL text.
    const path = normalisedPath((request.params as { '*'?: string })['*'] ?? '');
    if (isServerPath(path, segments)) return reply.callNotFound();
    const file = fileUnder(root, path);
    if (file === null) {
      // A missing asset is a 404, not the app: a stale page must not parse HTML as JS.
      // Said to anyone (it is the UI's, not the API's), so not via the 404 handler.
      if (path.startsWith('/assets/')) throw new CronfleetError('not_found', text('web.noFile', { path }));
      // Only a browser opening a page gets the app (its router shows the page or its own
      // "not found"); anything else asked for something that is not there.
      if (!acceptsHtml(request.headers.accept)) throw new CronfleetError('not_found', text('web.nothingAt', { path }));
      return sendIndex(request, reply, path);
    }
    if (file === 'index.html') return sendIndex(request, reply, path);
    // Vite puts a content hash in every file name under assets/.
    const hashed = file.startsWith(`assets${sep}`) || file.startsWith('assets/');
    // Hashed: public, max-age=31536000, immutable. Other files (the favicon): an hour.
    return reply.sendFile(file, hashed ? { maxAge: '365d', immutable: true } : { maxAge: '1h' });
  });
}
