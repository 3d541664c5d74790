// Routes. Every page is its own chunk, the login page too: a signed-in browser, which
// opens the console far more often than it signs in, does not load the sign-in form.
import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './auth.tsx';
import { Loading } from './components/feedback.tsx';
import { Layout } from './layout.tsx';
import { LiveEvents } from './live.tsx';

const LoginPage = lazy(() => import('./pages/login.tsx').then((module) => ({ default: module.LoginPage })));
const Dashboard = lazy(() => import('./pages/dashboard.tsx'));
const Tasks = lazy(() => import('./pages/tasks.tsx'));
const TaskEdit = lazy(() => import('./pages/task-edit.tsx'));
const TaskDetail = lazy(() => import('./pages/task-detail.tsx'));
const Executions = lazy(() => import('./pages/executions.tsx'));
const ExecutionDetail = lazy(() => import('./pages/execution-detail.tsx'));
const Executors = lazy(() => import('./pages/executors.tsx'));
const ExecutorDetail = lazy(() => import('./pages/executor-detail.tsx'));
const Cluster = lazy(() => import('./pages/cluster.tsx'));
const Settings = lazy(() => import('./pages/settings.tsx'));

function SignedIn() {
  const { user, loading } = useAuth();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <LiveEvents>
      <Layout>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route index element={<Dashboard />} />
            <Route path="tasks" element={<Tasks />} />
            <Route path="tasks/new" element={<TaskEdit />} />
            <Route path="tasks/:id" element={<TaskDetail />} />
            <Route path="tasks/:id/edit" element={<TaskEdit />} />
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

export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route
          path="/login"
          element={
            <Suspense fallback={<Loading />}>
              <LoginPage />
            </Suspense>
          }
        />
        <Route path="/*" element={<SignedIn />} />
      </Routes>
    </BrowserRouter>
  );
}
