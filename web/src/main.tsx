// Entry, kept tiny so that it runs the moment it arrives: it starts the chunk of the page
// being opened and the app (root.tsx) at once, instead of the page's chunk waiting for the
// app to load, run and render its route. /api/v1/auth/me is already on its way: index.html
// preloads it (see web/vite.config.ts), and the app's own request for it reuses that
// response. The styles are imported here so that the build links them from index.html.
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app.css';

/**
 * The page chunk a path opens: the same import() as the route table's (app.tsx), so the
 * browser loads it once and React.lazy finds it ready. A path not listed here (the login
 * page is part of the app) simply loads when its route renders.
 */
const pageChunks: Array<[RegExp, () => Promise<unknown>]> = [
  [/^\/$/, () => import('./pages/dashboard.tsx')],
  [/^\/tasks\/?$/, () => import('./pages/tasks.tsx')],
  [/^\/tasks\/(new|[^/]+\/edit)\/?$/, () => import('./pages/task-edit.tsx')],
  [/^\/tasks\/[^/]+\/?$/, () => import('./pages/task-detail.tsx')],
  [/^\/executions\/?$/, () => import('./pages/executions.tsx')],
  [/^\/executions\/[^/]+\/?$/, () => import('./pages/execution-detail.tsx')],
  [/^\/executors\/?$/, () => import('./pages/executors.tsx')],
  [/^\/cluster\/?$/, () => import('./pages/cluster.tsx')],
  [/^\/settings(\/|$)/, () => import('./pages/settings.tsx')],
];

const page = pageChunks.find(([pattern]) => pattern.test(location.pathname));
// A failed early load is not an error yet: the route's own import() tries again and shows it.
if (page) page[1]().catch(() => undefined);
void import('./root.tsx');
