// The web UI build: a static SPA in web/dist, served by every server instance at `/`.
// `npm run dev:web` proxies /api to a local server (CRONFLEET_DEV_SERVER, default :8080).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const devServer = process.env.CRONFLEET_DEV_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    rollupOptions: {
      output: {
        // Long-lived vendor chunks: the app's own code changes far more often.
        manualChunks(id: string) {
          // Only what the shell needs on every page; charts and the rest split by route.
          if (/node_modules\/(@mantine\/(core|hooks|notifications)|@floating-ui)\//.test(id)) return 'mantine';
          if (/node_modules\/(react|react-dom|react-router|scheduler)\//.test(id)) return 'react';
          return undefined;
        },
      },
    },
  },
  server: { proxy: { '/api': { target: devServer, changeOrigin: false } } },
});
