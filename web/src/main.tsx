// Entry, kept tiny so that it runs the moment it arrives: it starts the chunk of the page
// being opened and the app (root.tsx) at once, instead of the page's chunk waiting for the
// app to load, run and render its route. The server's index.html already names that chunk
// and its imports as modulepreload links (page-routes.ts), so they are usually on their
// way before this runs. /api/v1/auth/me is on its way too: index.html preloads it (see
// web/vite.config.ts), and the app's own request for it reuses that response. The styles
// are imported here so that the build links them from index.html.
import './mantine-styles.ts';
import '@mantine/notifications/styles.css';
import './app.css';
import { pageRoutes, type PageModule } from './page-routes.ts';

/** Each page's chunk: the same import() as the route table's (app.tsx), so the browser loads it once and React.lazy finds it ready. */
const pageChunks: Record<PageModule, () => Promise<unknown>> = {
  'src/pages/dashboard.tsx': () => import('./pages/dashboard.tsx'),
  'src/pages/tasks.tsx': () => import('./pages/tasks.tsx'),
  'src/pages/task-edit.tsx': () => import('./pages/task-edit.tsx'),
  'src/pages/task-detail.tsx': () => import('./pages/task-detail.tsx'),
  'src/pages/executions.tsx': () => import('./pages/executions.tsx'),
  'src/pages/execution-detail.tsx': () => import('./pages/execution-detail.tsx'),
  'src/pages/executors.tsx': () => import('./pages/executors.tsx'),
  'src/pages/executor-detail.tsx': () => import('./pages/executor-detail.tsx'),
  'src/pages/cluster.tsx': () => import('./pages/cluster.tsx'),
  'src/pages/settings.tsx': () => import('./pages/settings.tsx'),
  'src/pages/login.tsx': () => import('./pages/login.tsx'),
};

const page = pageRoutes.find(({ pattern }) => new RegExp(pattern).test(location.pathname));
// A failed early load is not an error yet: the route's own import() tries again and shows it.
if (page) pageChunks[page.module]().catch(() => undefined);
void import('./root.tsx');
