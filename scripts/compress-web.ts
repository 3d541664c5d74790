// Run by `npm run build:web` after Vite: writes a brotli (.br) and a gzip (.gz) copy next
// to every compressible file of the web build (web/dist, or the directory given), so the
// server sends the smallest copy a browser accepts without compressing per request
// (src/api/web-ui.ts, @fastify/static's preCompressed). Maximum levels: this runs once
// per build, and every page load afterwards gets the smaller file.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'web', 'dist'));
const compressible = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.map', '.webmanifest']);
// Below this a compressed copy saves less than its own headers cost.
const minimumBytes = 512;

function* files(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile() && compressible.has(extname(entry.name))) yield path;
  }
}

let original = 0;
let brotli = 0;
let gzip = 0;
let count = 0;
for (const path of files(root)) {
  if (statSync(path).size < minimumBytes) continue;
  const content = readFileSync(path);
  const variants = [
    {
      suffix: '.br',
      data: brotliCompressSync(content, {
        params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
      }),
    },
    { suffix: '.gz', data: gzipSync(content, { level: constants.Z_BEST_COMPRESSION }) },
  ];
  for (const variant of variants) {
    // A copy that is not smaller is not written: the server then sends the file itself.
    if (variant.data.length < content.length) writeFileSync(path + variant.suffix, variant.data);
  }
  original += content.length;
  brotli += Math.min(variants[0]!.data.length, content.length);
  gzip += Math.min(variants[1]!.data.length, content.length);
  count += 1;
}

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;
process.stdout.write(`compressed ${count} files in ${relative(process.cwd(), root) || '.'}: ${kb(original)} → brotli ${kb(brotli)}, gzip ${kb(gzip)}\n`);
