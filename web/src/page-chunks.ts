// Each page's chunk, loaded once: main.tsx starts the opened page's chunk the moment it
// runs, beside the app, and the route table (app.tsx) renders a page whose chunk is here
// already at once, without suspending (see lazyPage there). No React here: main.tsx,
// which imports this, must not wait for the app's libraries before it starts anything.
import type { PageModule } from './page-routes.ts';

const loaders = {
  'src/pages/dashboard.tsx': () => import('./pages/dashboard.tsx'),
  'src/pages/tasks.tsx': () => import('./pages/tasks.tsx'),
  'src/pages/task-edit.tsx': () => import('./pages/task-edit.tsx'),
  'src/pages/task-detail.tsx': () => import('./pages/task-detail.tsx'),
  'src/pages/workflows.tsx': () => import('./pages/workflows.tsx'),
  'src/pages/executions.tsx': () => import('./pages/executions.tsx'),
  'src/pages/execution-detail.tsx': () => import('./pages/execution-detail.tsx'),
  'src/pages/executors.tsx': () => import('./pages/executors.tsx'),
  'src/pages/executor-detail.tsx': () => import('./pages/executor-detail.tsx'),
  'src/pages/cluster.tsx': () => import('./pages/cluster.tsx'),
  'src/pages/settings.tsx': () => import('./pages/settings.tsx'),
  'src/pages/login.tsx': () => import('./pages/login.tsx'),
} satisfies Record<PageModule, () => Promise<unknown>>;

export type PageExports<M extends PageModule> = Awaited<ReturnType<(typeof loaders)[M]>>;

const loaded = new Map<PageModule, unknown>();

/** Loads a page's chunk (the browser fetches it once however often this is called). */
export async function loadPage<M extends PageModule>(module: M): Promise<PageExports<M>> {
  const exports = (await loaders[module]()) as PageExports<M>;
  loaded.set(module, exports);
  return exports;
}

/** A page's exports if its chunk has loaded, else undefined. */
export function loadedPage<M extends PageModule>(module: M): PageExports<M> | undefined {
  return loaded.get(module) as PageExports<M> | undefined;
}
