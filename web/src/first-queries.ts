// The first data of the pages that open most (dashboard, task list, task page), as data:
// their query keys and requests. The pages build their queries from these, and main.tsx
// reads them for the path being opened to start those requests before the app has loaded
// (api/early-requests.ts) and to put the answers in the query cache before the page first
// renders (root.tsx), so one definition serves both and they cannot drift apart.
// Only what the page asks at once and every state of it answers (a deleted task's page
// asks nothing that only a live task answers, so its statistics are not here).
import { requestUrl, type Query } from './api/early-requests.ts';
import { pageRoutes } from './page-routes.ts';

export interface PageQuery {
  queryKey: readonly unknown[];
  path: string;
  query?: Query;
}

/** Running executions listed on the dashboard; the rest are one click away. */
const dashboardRunningShown = 10;

export const dashboardQueries = {
  overview: (window: '24h' | '7d'): PageQuery => ({ queryKey: ['overview', window], path: '/stats/overview', query: { window } }),
  status: (): PageQuery => ({ queryKey: ['status'], path: '/system/status' }),
  // Under 'executions': an execution starting or ending (live events) refreshes the list.
  running: (): PageQuery => ({
    queryKey: ['executions', { status: 'running', dashboard: true }],
    path: '/executions',
    query: { status: 'running', page_size: dashboardRunningShown },
  }),
};

export const taskListPageSizes = ['10', '20', '50', '100'];

/** What the task list shows, as its URL says. */
export interface TaskListView {
  search: string;
  status: string | null;
  type: string | null;
  tags: string[];
  page: number;
  pageSize: number;
  sort: string;
}

export function taskListView(params: URLSearchParams): TaskListView {
  return {
    search: params.get('search') ?? '',
    status: params.get('status'),
    type: params.get('type'),
    tags: params.getAll('tag'),
    page: Number(params.get('page') ?? '1') || 1,
    pageSize: taskListPageSizes.includes(params.get('page_size') ?? '') ? Number(params.get('page_size')) : 20,
    sort: params.get('sort') ?? 'name',
  };
}

export function taskListQuery({ search, status, type, tags, page, pageSize, sort }: TaskListView): PageQuery {
  return {
    queryKey: ['tasks', { search, status, type, tags, page, pageSize, sort }],
    path: '/tasks',
    query: { search, status, type, tag: tags, page, page_size: pageSize, sort: sort === 'name' ? null : sort, include: 'recent' },
  };
}

export const taskPageQueries = {
  // A deleted task is read too (include_deleted): its page shows it read-only.
  task: (id: string): PageQuery => ({ queryKey: ['task', id], path: `/tasks/${id}`, query: { include_deleted: 1 } }),
  executions: (id: string): PageQuery => ({ queryKey: ['executions', { task_id: id }], path: '/executions', query: { task_id: id, page_size: 10 } }),
};

/** The first queries of the page a location opens; none for a page not listed here. */
export function firstQueries(location: { pathname: string; search: string }): PageQuery[] {
  const page = pageRoutes.find(({ pattern }) => new RegExp(pattern).test(location.pathname));
  switch (page?.module) {
    case 'src/pages/dashboard.tsx':
      return [dashboardQueries.overview('24h'), dashboardQueries.status(), dashboardQueries.running()];
    case 'src/pages/tasks.tsx':
      return [taskListQuery(taskListView(new URLSearchParams(location.search)))];
    case 'src/pages/task-detail.tsx': {
      // The router hands the page its id decoded; the same here.
      let id: string;
      try {
        id = decodeURIComponent(location.pathname.split('/')[2] ?? '');
      } catch {
        return [];
      }
      return id ? [taskPageQueries.task(id), taskPageQueries.executions(id)] : [];
    }
    default:
      return [];
  }
}

/** The URL a page query asks for. */
export const queryUrl = (query: PageQuery) => requestUrl(query.path, query.query);
