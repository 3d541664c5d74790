// Routes. Every page is its own chunk, the login page too: a signed-in browser, which
// opens the console far more often than it signs in, does not load the sign-in form.
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { BrowserRouter, Navigate, Route, Routes, StaticRouter, useLocation } from 'react-router';
import { useAuth } from './auth.tsx';
import { Loading } from './components/feedback.tsx';
import { Layout } from './layout.tsx';
import { LiveEvents } from './live.tsx';
import { loadedPage, loadPage, type PageExports } from './page-chunks.ts';
import type { PageModule } from './page-routes.ts';
import { endFirstRender } from './rendered-state.ts';

/**
 * A page's component, from its chunk. When the chunk has loaded already (main.tsx starts
 * the opened page's chunk before the app first renders), the thenable handed to lazy()
 * resolves synchronously, so React renders the page in the same pass instead of showing
 * the fallback and rendering it again later (in slices, as a Suspense retry).
 */
function lazyPage<M extends PageModule>(module: M, component: (exports: PageExports<M>) => ComponentType) {
  return lazy(() => {
    const exports = loadedPage(module);
    if (exports === undefined) return loadPage(module).then((loaded) => ({ default: component(loaded) }));
    const ready = { default: component(exports) };
    return { then: (resolve: (value: typeof ready) => void) => resolve(ready) } as unknown as Promise<typeof ready>;
  });
}

const LoginPage = lazyPage('src/pages/login.tsx', (page) => page.LoginPage);
const Dashboard = lazyPage('src/pages/dashboard.tsx', (page) => page.default);
const Tasks = lazyPage('src/pages/tasks.tsx', (page) => page.default);
const TaskEdit = lazyPage('src/pages/task-edit.tsx', (page) => page.default);
const TaskDetail = lazyPage('src/pages/task-detail.tsx', (page) => page.default);
const Workflows = lazyPage('src/pages/workflows.tsx', (page) => page.default);
const Executions = lazyPage('src/pages/executions.tsx', (page) => page.default);
const ExecutionDetail = lazyPage('src/pages/execution-detail.tsx', (page) => page.default);
const Executors = lazyPage('src/pages/executors.tsx', (page) => page.default);
const ExecutorDetail = lazyPage('src/pages/executor-detail.tsx', (page) => page.default);
const Cluster = lazyPage('src/pages/cluster.tsx', (page) => page.default);
const Settings = lazyPage('src/pages/settings.tsx', (page) => page.default);

/**
 * Says on <html> that the app has taken the page over: a drawn page takes clicks from now on
 * (app.css), and "now" is the clock again (rendered-state.ts). Inside the pages' Suspense
 * boundary: React takes a drawn boundary over in a pass of its own, after the shell.
 */
function AppReady() {
  useEffect(() => {
    endFirstRender();
    document.documentElement.dataset.app = 'ready';
  }, []);
  return null;
}

function SignedIn() {
  const { user, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <LiveEvents>
      <Layout>
        <Suspense fallback={<Loading />}>
          <AppReady />
          <Routes>
            <Route index element={<Dashboard />} />
            <Route path="tasks" element={<Tasks />} />
            <Route path="tasks/new" element={<TaskEdit />} />
            <Route path="tasks/:id" element={<TaskDetail />} />
            <Route path="tasks/:id/edit" element={<TaskEdit />} />
            <Route path="workflows/*" element={<Workflows />} />
            <Route path="executions" element={<Executions />} />
            <Route path="executions/:id" element={<ExecutionDetail />} />
            <Route path="executors" element={<Executors />} />
            <Route path="executors/:id" element={<ExecutorDetail />} />
            <Route path="cluster" element={<Cluster />} />
            <Route path="settings/*" element={<Settings />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </Layout>
    </LiveEvents>
  );
}

/** `location`: the URL the server renders (entry-server.tsx); the browser's own otherwise. */
export function App({ location }: { location?: string }) {
  const routes = (
    <Routes>
      <Route
        path="/login"
        element={
          <Suspense fallback={<Loading />}>
            <AppReady />
            <LoginPage />
          </Suspense>
        }
      />
      <Route path="/*" element={<SignedIn />} />
    </Routes>
  );
  return location === undefined ? <BrowserRouter>{routes}</BrowserRouter> : <StaticRouter location={location}>{routes}</StaticRouter>;
}
