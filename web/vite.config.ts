// The web UI build: a static SPA in web/dist, served by every server instance at `/`, and
// (`vite build --ssr`) the renderer that servers use to send a page drawn with its data.
// `npm run dev:web` proxies /api to a local server (CRONFLEET_DEV_SERVER, default :8080).
// `npm run build:web` then writes brotli and gzip copies of the files (scripts/compress-web.ts).
import react from '@vitejs/plugin-react';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';
import { pageRoutes } from './src/page-routes.ts';

const devServer = process.env.CRONFLEET_DEV_SERVER ?? 'http://localhost:8080';

/**
 * Nothing on the way to the first screen waits for something it could have asked for at
 * once. main.tsx is tiny and loads the app (root.tsx) with a dynamic import, so that it can
 * start the page's chunk beside it; this puts the app's chunks in index.html as
 * modulepreload links, so the browser fetches them while it reads the HTML, as it would
 * for static imports. And it preloads GET /api/v1/auth/me, the app's first request (same
 * URL, mode and credentials as its fetch(), which then takes the preloaded response).
 */
function preloadFirstScreen(): Plugin {
  return {
    name: 'cronfleet-preload-first-screen',
    apply: 'build',
    // Beside Vite's manifest (build.manifest): the server reads both to name the opened
    // page's chunk and its imports in the index.html it sends (src/api/web-ui.ts).
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '.vite/page-routes.json', source: `${JSON.stringify(pageRoutes, null, 2)}\n` });
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const tags: HtmlTagDescriptor[] = [{ tag: 'link', attrs: { rel: 'preload', href: '/api/v1/auth/me', as: 'fetch', crossorigin: 'anonymous' }, injectTo: 'head' }];
        const bundle = context.bundle ?? {};
        const root = Object.values(bundle).find((output) => output.type === 'chunk' && output.facadeModuleId?.endsWith('/src/root.tsx'));
        const files = new Set<string>();
        const visit = (fileName: string) => {
          const output = bundle[fileName];
          // The entry (main.tsx, which holds the preload helper the app imports) is already loading.
          if (files.has(fileName) || output?.type !== 'chunk' || output.isEntry) return;
          files.add(fileName);
          for (const imported of output.imports) visit(imported);
        };
        if (root) visit(root.fileName);
        for (const file of files) tags.push({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` }, injectTo: 'head' });
        return tags;
      },
    },
  };
}

/**
 * The server's renderer (web/src/entry-server.tsx, loaded by src/api/web-ui-render.ts), with
 * its libraries in it, since an installed package has no React of its own (they are
 * devDependencies, built into the UI). What the server never renders (the charts, the pages
 * it sends unrendered) stays in chunks it never loads. Outside web/dist, which is served.
 */
const serverRenderer = defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  publicDir: false,
  ssr: { noExternal: true },
  // React's production build only (its entry chooses at run time otherwise, so both came in).
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    ssr: 'src/entry-server.tsx',
    minify: true,
    // The charts are drawn by the browser only (lazy-charts.tsx): their code is left out.
    rolldownOptions: { external: ['@mantine/charts', 'recharts'] },
    outDir: 'dist-server',
    emptyOutDir: true,
  },
});

const browserApp = defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react(), preloadFirstScreen()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    // .vite/manifest.json: each source module's file and the files it imports, which the
    // server follows from the opened page's module (see preloadFirstScreen).
    manifest: true,
    rolldownOptions: {
      preserveEntrySignatures: false,
      output: {
        codeSplitting: {
          groups: [
            // React changes far less often than the app: its own long-lived chunk.
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/ },
            // The icons the console draws (a few hundred bytes each): one file, not one
            // request per icon, each costing more in headers than its content.
            { name: 'icons', test: /node_modules[\\/]@tabler[\\/]icons-react[\\/]/ },
            // The rest of the libraries every page draws with (Mantine's components, hooks and
            // notifications, the query cache, i18next): one file. Left to the bundler, they came
            // as some 20 files of 1-10 KB, each page's own set, and the first screen asked for
            // ~30 files: over HTTP/1.1's six connections that is five rounds of requests, each
            // costing 100-200 ms on a busy machine, to save 10-25 KB (gzip). Now it is
            // ~17 files (3 rounds), ~260 KB as brotli. The charts, the cron text and form
            // helpers stay with the pages that load them.
            // Their style sheets stay out (the lookahead): main.tsx imports them, and a style
            // sheet in this group made the entry import its script, so nothing in main.tsx
            // ran (the early data requests among it) before ~540 KB of libraries had loaded.
            {
              name: 'ui',
              test: /^(?!.*\.css$).*node_modules[\\/](@mantine[\\/](core|hooks|notifications|store)|@floating-ui|@tanstack|i18next|react-i18next|clsx|react-remove-scroll|react-style-singleton|use-callback-ref|use-sidecar|get-nonce|detect-node-es|tslib|react-number-format|react-textarea-autosize)[\\/]/,
            },
          ],
          // A shared piece of the app under 4 KB goes into the chunks that use it rather
          // than its own file (a request's headers are about 900 bytes).
          experimentalInlineCommonChunks: { maxSize: 4096 },
        },
      },
    },
  },
  server: { proxy: { '/api': { target: devServer, changeOrigin: false } } },
});

export default defineConfig(({ isSsrBuild }) => (isSsrBuild ? serverRenderer : browserApp));
