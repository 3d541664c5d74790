// index.html as sent for one console page: the build's index.html, with the opened page's
// chunk and every chunk it imports named as <link rel="modulepreload">, so the browser
// fetches them while it reads the HTML instead of after the app's entry has run. Which
// page a path opens is the build's .vite/page-routes.json (web/src/page-routes.ts); which
// files a page's module is and imports is Vite's manifest (.vite/manifest.json). Chunks
// index.html already names (the app's own) are not named twice; dynamic imports (the
// charts, loaded once a chart is drawn) are not followed.
// One copy per page is made when the build is first seen (or has changed since), with
// its brotli and gzip forms and an ETag of its content: the HTML is a few KB, the same
// for every request of that page, and revalidated on every load (no-cache).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

interface PageHtml {
  /** The HTML as text, for a page drawn on the server (web-ui-render.ts). */
  text: string;
  etag: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

interface ManifestEntry {
  file: string;
  imports?: string[];
}

const buildFiles = ['index.html', '.vite/manifest.json', '.vite/page-routes.json'];

function pageHtml(html: string): PageHtml {
  const identity = Buffer.from(html);
  return {
    text: html,
    etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
    identity,
    br: brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }),
    gzip: gzipSync(identity, { level: constants.Z_BEST_COMPRESSION }),
  };
}

/** The files a module's chunk is, in import order: its own, then those it imports (recursively). */
function chunkFiles(manifest: Record<string, ManifestEntry>, key: string, files: string[] = []): string[] {
  const entry = manifest[key];
  if (!entry || files.includes(entry.file)) return files;
  files.push(entry.file);
  for (const imported of entry.imports ?? []) chunkFiles(manifest, imported, files);
  return files;
}

/** Per page route of the build under root: its pattern and its index.html. Empty when the build has no manifest or route table (an older build: index.html is sent as it is). */
function readPages(root: string): Array<{ pattern: RegExp; html: PageHtml }> {
  let manifest: Record<string, ManifestEntry>;
  let routes: Array<{ pattern: string; module: string }>;
  let index: string;
  try {
    index = readFileSync(join(root, 'index.html'), 'utf8');
    manifest = JSON.parse(readFileSync(join(root, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;
    routes = JSON.parse(readFileSync(join(root, '.vite', 'page-routes.json'), 'utf8')) as Array<{ pattern: string; module: string }>;
  } catch {
    return [];
  }
  const closing = index.indexOf('</head>');
  if (closing < 0) return [];
  return routes.map((route) => {
    const links = chunkFiles(manifest, route.module)
      // A file index.html already links (the entry, the app's chunks) is on its way.
      .filter((file) => !index.includes(`"/${file}"`))
      .map((file) => `    <link rel="modulepreload" crossorigin href="/${file}">\n`)
      .join('');
    return { pattern: new RegExp(route.pattern), html: pageHtml(index.slice(0, closing) + links + index.slice(closing)) };
  });
}

/**
 * A lookup of the page HTML for a path (normalised, decoded), or null when the path opens
 * no listed page or the build has no route table: then index.html goes out as it is.
 * The build's files are looked at on every call (three stats), so a new build is picked
 * up without a restart, as the rest of the UI's files are.
 */
export function pageHtmlLookup(root: string): (path: string) => PageHtml | null {
  let seen = '';
  let pages: Array<{ pattern: RegExp; html: PageHtml }> = [];
  return (path) => {
    let stamp: string;
    try {
      stamp = buildFiles.map((file) => statSync(join(root, file), { bigint: true }).mtimeNs.toString()).join(' ');
    } catch {
      return null;
    }
    if (stamp !== seen) {
      pages = readPages(root);
      seen = stamp;
    }
    return pages.find((page) => page.pattern.test(path))?.html ?? null;
  };
}

/** The encoding to send a page's HTML in for an Accept-Encoding header: brotli, then gzip, then none. */
export function htmlEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Set<string>();
  for (const range of (acceptEncoding ?? '').split(',')) {
    const [coding, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    if (coding && (quality === undefined || Number(quality.slice(2)) > 0)) accepted.add(coding);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return 'identity';
}
