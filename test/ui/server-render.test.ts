// The console's most opened pages come drawn by the server, with their data, for a signed-in
// browser that has named its view (the cookie the app writes): what is drawn is what that
// user may see, in their language and time zone, never cached, with nothing in the data able
// to break out of the page; without a session or a view the page is the plain app. In a real
// browser the app then takes the drawn page over without drawing it again, and it works.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const hostile = '</script><script>window.__owned = 1</script><!-- $& $1 \u2028';

interface View {
  language: string;
  timeZone: string;
  timeZoneChoice: 'browser' | 'utc';
  colorScheme: 'light' | 'dark';
}

const shanghai: View = { language: 'en', timeZone: 'Asia/Shanghai', timeZoneChoice: 'browser', colorScheme: 'light' };
const viewCookie = (view: unknown) => `cronfleet_view=${encodeURIComponent(typeof view === 'string' ? view : JSON.stringify(view))}`;

describe('pages drawn by the server', () => {
  let t: TestServer;
  let browser: Browser;
  let taskId = '';

  async function session(username: string, role: string): Promise<{ cookie: string; userId: string }> {
    const user = await t.request('POST', '/api/v1/users', { username, password, role });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const login = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(login.status, 200);
    return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]!, userId: user.body.id };
  }

  async function page(path: string, cookie: string) {
    const response = await fetch(`${t.url}${path}`, { headers: { cookie, accept: 'text/html' } });
    const html = await response.text();
    const root = /<div id="root">([\s\S]*?)<\/div>\s*(?:<script type="application\/json"|<\/body>)/.exec(html)?.[1] ?? '';
    const stateText = /<script type="application\/json" id="cronfleet-state">([\s\S]*?)<\/script>/.exec(html)?.[1];
    return { response, html, root, state: stateText === undefined ? null : (JSON.parse(stateText) as Record<string, any>) };
  }

  before(async () => {
    ensureWebBuild(repoRoot);
    t = await startTestServer({ executor: false });
    for (const name of ['render-alpha', 'render-beta', '数据同步任务']) {
      const created = await t.request('POST', '/api/v1/tasks', { name, command: 'true', cron_expression: '0 3 * * *', timezone: 'Asia/Shanghai', description: hostile });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      if (name === 'render-alpha') taskId = created.body.id;
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('a signed-in browser that named its view gets the task list drawn with its data, kept by no cache', async () => {
    const { cookie } = await session('render-viewer', 'viewer');
    const drawn = await page('/tasks', `${cookie}; ${viewCookie(shanghai)}`);
    assert.equal(drawn.response.status, 200);
    assert.equal(drawn.response.headers.get('cache-control'), 'no-store');
    assert.match(drawn.response.headers.get('vary') ?? '', /Cookie/);
    assert.match(drawn.root, /render-alpha/);
    assert.match(drawn.root, /数据同步任务/);
    assert.match(drawn.html, /<html lang="en" data-mantine-color-scheme="light"/);
    // The state holds what GET /tasks gave this user, and who they are.
    assert.equal(drawn.state!.me.user.username, 'render-viewer');
    const tasks = drawn.state!.queries.find((query: { queryKey: unknown[] }) => query.queryKey[0] === 'tasks');
    assert.deepEqual(
      tasks.data.items.map((task: { name: string }) => task.name),
      ['render-alpha', 'render-beta', '数据同步任务'],
    );
    // Nothing the data holds ends the data block or opens a script: it is escaped, and read back whole.
    assert.equal(drawn.html.includes('<script>window.__owned'), false);
    assert.equal(tasks.data.items[0].description, hostile);
    // Nothing to preload: the state answered who is signed in.
    assert.equal(drawn.html.includes('href="/api/v1/auth/me"'), false);
  });

  test('the dashboard and a task page are drawn too; other pages go out as the plain app', async () => {
    const { cookie } = await session('render-operator', 'operator');
    const cookies = `${cookie}; ${viewCookie(shanghai)}`;
    const dashboard = await page('/', cookies);
    assert.ok(dashboard.state, 'the dashboard is drawn');
    assert.match(dashboard.root, /data-testid="metric-running"/);
    const task = await page(`/tasks/${taskId}`, cookies);
    assert.match(task.root, /data-testid="task-title"[^>]*>render-alpha</);
    // The task's own zone where its schedule is; the header's zone is the browser's, by its label.
    assert.match(task.root, /Asia\/Shanghai/);
    assert.match(task.root, /UTC\+8/);
    const executors = await page('/executors', cookies);
    assert.equal(executors.state, null);
    assert.equal(executors.root, '');
  });

  test('in the language and time zone the view names', async () => {
    const { cookie } = await session('render-zh', 'viewer');
    const drawn = await page('/tasks', `${cookie}; ${viewCookie({ ...shanghai, language: 'zh-CN', timeZoneChoice: 'utc', colorScheme: 'dark' })}`);
    assert.match(drawn.html, /<html lang="zh-CN" data-mantine-color-scheme="dark"/);
    assert.match(drawn.root, /任务/);
    assert.equal(drawn.root.includes('>Tasks<'), false);
    assert.match(drawn.root, /data-testid="time-zone-menu"[^>]*data-choice="utc"/);
  });

  test('without a session, with an ended one, or without a usable view: the plain app', async () => {
    const { cookie, userId } = await session('render-leaver', 'viewer');
    const bad = [
      viewCookie(shanghai),
      `${cookie}`,
      `${cookie}; ${viewCookie('not json')}`,
      `${cookie}; ${viewCookie({ ...shanghai, language: 'fr' })}`,
      `${cookie}; ${viewCookie({ ...shanghai, timeZone: 'Mars/Olympus' })}`,
      `${cookie}; ${viewCookie({ ...shanghai, timeZoneChoice: 'moon' })}`,
      `${cookie}; ${viewCookie({ ...shanghai, language: 'en" onload="x' })}`,
      `cronfleet_session=cfs_forged; ${viewCookie(shanghai)}`,
    ];
    for (const cookies of bad) {
      const plain = await page('/tasks', cookies);
      assert.equal(plain.response.status, 200, cookies);
      assert.equal(plain.state, null, cookies);
      assert.equal(plain.root, '', cookies);
    }
    // A disabled user's session ends: their next page is the plain app (which signs them out).
    assert.equal((await t.request('PUT', `/api/v1/users/${userId}`, { disabled: true })).status, 200);
    const ended = await page('/tasks', `${cookie}; ${viewCookie(shanghai)}`);
    assert.equal(ended.state, null);
    assert.equal(ended.html.includes('render-alpha'), false);
  });

  test('in the browser: the app writes its view, takes the drawn page over without drawing it again, and works', async () => {
    await session('render-browser', 'operator');
    const signedIn = await signIn(browser, t.url, { username: 'render-browser', password });
    const context = signedIn.context();
    try {
      let view: string | undefined;
      for (let waited = 0; waited < 10_000 && view === undefined; waited += 50) {
        view = (await context.cookies()).find((cookie) => cookie.name === 'cronfleet_view')?.value;
        if (view === undefined) await signedIn.waitForTimeout(50);
      }
      assert.ok(view, 'the app wrote its view cookie');
      assert.deepEqual(Object.keys(JSON.parse(decodeURIComponent(view))).sort(), ['colorScheme', 'language', 'timeZone', 'timeZoneChoice']);

      const tab = await context.newPage();
      const problems: string[] = [];
      const asked: string[] = [];
      tab.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      tab.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/')) asked.push(new URL(request.url()).pathname);
      });
      const response = await tab.goto(`${t.url}/tasks`);
      assert.match((await response!.text()) ?? '', /render-beta/);
      await tab.getByTestId('task-table').waitFor();
      await tab.locator('html[data-app="ready"]').waitFor({ state: 'attached' });
      // Taken over: the search filters the list (the app's own query, from the drawn page).
      await tab.getByPlaceholder('Search by name').fill('beta');
      await tab.locator('[data-testid="task-table"] tbody tr', { hasText: 'render-alpha' }).waitFor({ state: 'detached' });
      assert.match((await tab.getByTestId('task-table').textContent()) ?? '', /render-beta/);
      assert.equal(await tab.evaluate(() => (globalThis as { __owned?: number }).__owned), undefined);
      // The drawn list was not asked for again, nor who is signed in.
      assert.equal(asked.filter((path) => path === '/api/v1/auth/me').length, 0, asked.join(' '));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
