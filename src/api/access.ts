// Who may call what: every route under /api names the least role it needs, here in
// one table. A route missing from the table fails the server at start (auth.ts), so
// no route can ship open by accident.
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** `public`: no credentials (probes, login). `callback`: checks an HTTP executor's own signature. */
export type Access = Role | 'public' | 'callback' | 'signed_in';

const table: Record<string, Access> = {
  // Sign-in and the caller's own account.
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'signed_in',
  'GET /api/v1/auth/me': 'signed_in',
  'PUT /api/v1/auth/password': 'signed_in',
  // Tasks and executions: operators change them, viewers read them.
  'GET /api/v1/tasks': 'viewer',
  'POST /api/v1/tasks': 'operator',
  'GET /api/v1/tasks/:id': 'viewer',
  'PUT /api/v1/tasks/:id': 'operator',
  'DELETE /api/v1/tasks/:id': 'operator',
  'POST /api/v1/tasks/:id/pause': 'operator',
  'POST /api/v1/tasks/:id/resume': 'operator',
  'POST /api/v1/tasks/:id/trigger': 'operator',
  'GET /api/v1/tasks/:id/next-fires': 'viewer',
  'GET /api/v1/tasks/:id/stats': 'viewer',
  'POST /api/v1/schedules/preview': 'viewer',
  'GET /api/v1/executions': 'viewer',
  'GET /api/v1/executions/:id': 'viewer',
  'GET /api/v1/executions/:id/logs': 'viewer',
  'POST /api/v1/executions/:id/stop': 'operator',
  'POST /api/v1/executions/:id/callback': 'callback',
  // The fleet and the system: admins change them, viewers read them.
  'GET /api/v1/executors': 'viewer',
  'POST /api/v1/executors/register': 'admin',
  'PUT /api/v1/executors/:id/status': 'admin',
  'GET /api/v1/executor-tokens': 'admin',
  'POST /api/v1/executor-tokens': 'admin',
  'DELETE /api/v1/executor-tokens/:id': 'admin',
  'GET /api/v1/system/status': 'viewer',
  'GET /api/v1/stats/overview': 'viewer',
  'GET /api/v1/events': 'viewer',
  // People and credentials.
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PUT /api/v1/users/:id': 'admin',
  'DELETE /api/v1/users/:id': 'admin',
  'GET /api/v1/tokens': 'operator',
  'POST /api/v1/tokens': 'operator',
  'DELETE /api/v1/tokens/:id': 'operator',
  'GET /api/v1/audit': 'admin',
};

/** The access a route needs, or null when the table does not name it. */
export function routeAccess(method: string, url: string): Access | null {
  return table[`${method} ${url}`] ?? null;
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
