// Which page a path opens, as data, read in two places: main.tsx starts that page's chunk
// as soon as it runs, and the server names the chunk and the chunks it imports in the
// index.html it sends for the path (<link rel="modulepreload">, src/api/web-ui.ts), so the
// browser fetches them while it reads the HTML. The build writes this table beside Vite's
// manifest (.vite/page-routes.json, see vite.config.ts); `module` is the manifest's key.
// Patterns are matched against the path in order: the first that matches wins. A path not
// listed loads its page when its route renders.
export const pageRoutes = [
  { pattern: '^/$', module: 'src/pages/dashboard.tsx' },
  { pattern: '^/tasks/?$', module: 'src/pages/tasks.tsx' },
  { pattern: '^/tasks/(new|[^/]+/edit)/?$', module: 'src/pages/task-edit.tsx' },
  { pattern: '^/tasks/[^/]+/?$', module: 'src/pages/task-detail.tsx' },
  { pattern: '^/workflows(/|$)', module: 'src/pages/workflows.tsx' },
  { pattern: '^/executions/?$', module: 'src/pages/executions.tsx' },
  { pattern: '^/executions/[^/]+/?$', module: 'src/pages/execution-detail.tsx' },
  { pattern: '^/executors/?$', module: 'src/pages/executors.tsx' },
  { pattern: '^/executors/[^/]+/?$', module: 'src/pages/executor-detail.tsx' },
  { pattern: '^/cluster/?$', module: 'src/pages/cluster.tsx' },
  { pattern: '^/settings(/|$)', module: 'src/pages/settings.tsx' },
  { pattern: '^/login/?$', module: 'src/pages/login.tsx' },
] as const;

export type PageModule = (typeof pageRoutes)[number]['module'];
