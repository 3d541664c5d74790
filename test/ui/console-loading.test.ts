// The console as it loads: each page's code comes when that page is opened (routes are
// lazy) and is named in the index.html sent for it (modulepreload), the charts' code only
// once a page has shown its figures and has a chart to draw, the assets compressed, the
// first screen's assets within issue 14's 300 KB, only the Mantine styles the console
// uses, and the sign-in check (/api/v1/auth/me) asked once, by the preload in index.html
// that the app's own request reuses. After all that, the pages still show their data and work.
// All of it as a browser that has not named its view sees the console: the app draws every
// page itself (the pages the server draws: server-render.test.ts).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn, withoutServerRender } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const credentials = { username: 'loading-tester', password: 'correct-horse-battery' };

/** What one page load asked the server for: script and style file names, and API paths with their counts. */
interface Traffic {
  scripts: string[];
  encodings: Map<string, string | undefined>;
  api: string[];
  problems: string[];
}

function watch(page: Page): Traffic {
  const traffic: Traffic = { scripts: [], encodings: new Map(), api: [], problems: [] };
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/assets/')) traffic.scripts.push(url.pathname.slice('/assets/'.length));
    if (url.pathname.startsWith('/api/')) traffic.api.push(url.pathname);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/assets/')) traffic.encodings.set(url.pathname.slice('/assets/'.length), response.headers()['content-encoding']);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') traffic.problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => traffic.problems.push(`pageerror: ${error.message}`));
  return traffic;
}

/** Whether a chunk of this name (Vite's `<name>-<hash>.js`) was loaded. */
const loaded = (traffic: Traffic, name: string) => traffic.scripts.some((file) => new RegExp(`^${name}-[\\w-]{8}\\.js$`).test(file));

/** Issue 14's goal for the first screen: its assets (HTML, scripts, styles, icons) at most 300 KB as sent, headers included. */
const firstScreenGoal = 300_000;

interface Sent {
  path: string;
  type: string;
  /** Wall-clock ms, comparable with the page's performance.timeOrigin. */
  sentAt: number;
  bytes: number;
  done: boolean;
}

/**
 * A cold load of `path` in a new signed-in context, recorded as DevTools does: each
 * request with when it was sent and its bytes on the wire (compressed, headers included),
 * and the moment `selector` first held `text` (ms since navigation start, noted in the
 * page by a MutationObserver installed before its scripts). Waits until the network is
 * quiet and every response has arrived, so that what the page fetched after its data
 * (the charts' code) is in the list too.
 */
async function coldLoad(browser: Browser, state: Awaited<ReturnType<BrowserContext['storageState']>>, url: string, selector: string, text: string) {
  const context = await browser.newContext({ storageState: state, locale: 'en-US', viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  await withoutServerRender(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.addInitScript({
    content: `(() => { const pattern = new RegExp(${JSON.stringify(text)}); const observer = new MutationObserver(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      if (element && pattern.test(element.textContent || '')) { window.__dataShownAt = performance.now(); observer.disconnect(); }
    }); observer.observe(document, { subtree: true, childList: true, characterData: true }); })()`,
  });
  const cdp = await context.newCDPSession(page);
  const sent = new Map<string, Sent>();
  cdp.on('Network.requestWillBeSent', (event) => sent.set(event.requestId, { path: new URL(event.request.url).pathname, type: event.type ?? 'Other', sentAt: event.wallTime * 1000, bytes: 0, done: false }));
  // Resolved once every response has arrived (the live-events stream never ends).
  let settle: (() => void) | null = null;
  const check = () => {
    if (settle && [...sent.values()].every((request) => request.done || request.type === 'EventSource')) settle();
  };
  const everyResponseIn = () => new Promise<void>((resolve) => ((settle = resolve), check()));
  cdp.on('Network.loadingFinished', (event) => (Object.assign(sent.get(event.requestId) ?? {}, { bytes: event.encodedDataLength, done: true }), check()));
  cdp.on('Network.loadingFailed', (event) => (Object.assign(sent.get(event.requestId) ?? {}, { done: true }), check()));
  await cdp.send('Network.enable');
  await page.goto(url);
  await page
    .locator(selector, { hasText: new RegExp(text) })
    .first()
    .waitFor();
  await page.waitForFunction(() => (globalThis as { __dataShownAt?: number }).__dataShownAt !== undefined);
  await page.waitForLoadState('networkidle');
  await everyResponseIn();
  const shownAt = await page.evaluate(() => performance.timeOrigin + (globalThis as unknown as { __dataShownAt: number }).__dataShownAt);
  const requests = [...sent.values()].filter((request) => request.type !== 'EventSource');
  const assets = requests.filter((request) => !request.path.startsWith('/api/'));
  const firstScreen = assets.filter((request) => request.sentAt <= shownAt);
  return { page, context, shownAt, assets, firstScreen, later: assets.filter((request) => request.sentAt > shownAt), bytes: (list: Sent[]) => list.reduce((sum, request) => sum + request.bytes, 0) };
}

/** The first class name in a Mantine component's own style file. */
function mantineClassOf(component: string): string {
  const css = readFileSync(join(repoRoot, 'node_modules', '@mantine', 'core', 'styles', `${component}.css`), 'utf8');
  return /\.m_([0-9a-f]{8})/.exec(css)![1]!;
}

describe('console loading', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let state: Awaited<ReturnType<BrowserContext['storageState']>>;
  let taskId = '';

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer({ executor: false });
    const user = await server.request('POST', '/api/v1/users', { ...credentials, role: 'admin' });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    for (const name of ['loading_alpha', 'loading_beta', 'loading_gamma']) {
      const task = await server.request('POST', '/api/v1/tasks', { name, cron_expression: '0 3 * * *', type: 'command', command: 'true' });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      if (name === 'loading_alpha') taskId = (task.body as { id: string }).id;
    }
    // Runs to draw: with no executor they wait (pending), which the charts show.
    for (let run = 0; run < 2; run++) assert.equal((await server.request('POST', `/api/v1/tasks/${taskId}/trigger`, {})).status, 202);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const signedIn = await signIn(browser, server.url, credentials);
    context = signedIn.context();
    await withoutServerRender(context);
    state = await context.storageState();
    await signedIn.close();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  test('the task list opened directly loads its own chunk, not the other pages or the charts', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/tasks`);
    await page.locator('[data-testid="task-table"] tbody tr', { hasText: 'loading_alpha' }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(loaded(traffic, 'tasks'), `tasks chunk among ${traffic.scripts.join(' ')}`);
    for (const other of ['dashboard', 'task-detail', 'task-edit', 'executions', 'settings', 'chart-views', 'login']) assert.ok(!loaded(traffic, other), `${other} loaded on the task list: ${traffic.scripts.join(' ')}`);
    assert.equal(traffic.api.filter((path) => path === '/api/v1/auth/me').length, 1, `auth/me asked once: ${traffic.api.join(' ')}`);
    // The build leaves files under 512 bytes uncompressed (scripts/compress-web.ts).
    const scripts = [...traffic.encodings].filter(([file]) => file.endsWith('.js') && statSync(join(repoRoot, 'web', 'dist', 'assets', file)).size >= 1024);
    assert.ok(scripts.length > 3);
    for (const [file, encoding] of scripts) assert.equal(encoding, 'br', `${file} came as ${encoding}`);
    assert.deepEqual(traffic.problems, []);

    // Client-side navigation: the task page's chunk (and the charts it draws) load now.
    await page.locator('[data-task-name="loading_alpha"] a').first().click();
    await page.waitForURL(`**/tasks/${taskId}`);
    await page.getByTestId('task-title').filter({ hasText: 'loading_alpha' }).waitFor();
    assert.ok(loaded(traffic, 'task-detail'));
    await page.getByTestId('trend-chart').locator('.recharts-bar-rectangle').first().waitFor({ state: 'attached' });
    assert.ok(loaded(traffic, 'chart-views'));
    await page.close();
  });

  test('the dashboard opened directly shows its figures and still works', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="metric-running"] .stat-value', { hasText: /\d/ }).waitFor();
    await page.getByTestId('metric-leader').filter({ hasText: /\S/ }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(loaded(traffic, 'dashboard'));
    for (const other of ['tasks', 'task-detail', 'task-edit', 'executions']) assert.ok(!loaded(traffic, other), `${other} loaded on the dashboard: ${traffic.scripts.join(' ')}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(screenshotDir, 'console-loading-dashboard.png'), fullPage: true });

    // It works: the window switch asks for the other window, the nav opens the task list.
    const overview = page.waitForRequest((request) => request.url().includes('/api/v1/stats/overview') && request.url().includes('window=7d'));
    await page.getByText('7 days', { exact: false }).first().click();
    await overview;
    await page.getByTestId('nav-tasks').click();
    await page.locator('[data-testid="task-table"] tbody tr', { hasText: 'loading_gamma' }).waitFor();
    assert.ok(loaded(traffic, 'tasks'));
    assert.deepEqual(traffic.problems, []);
    await page.close();
  });

  test('the index.html of a console page names its chunks as modulepreload links', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'web', 'dist', '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string }>;
    const html = async (path: string) => (await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } })).text();
    const preloads = (text: string) => [...text.matchAll(/<link rel="modulepreload" crossorigin href="\/([^"]+)">/g)].map((match) => match[1]);
    const pages: Array<[string, string]> = [
      ['/', 'src/pages/dashboard.tsx'],
      ['/tasks', 'src/pages/tasks.tsx'],
      [`/tasks/${taskId}`, 'src/pages/task-detail.tsx'],
      ['/tasks/new', 'src/pages/task-edit.tsx'],
      ['/executions', 'src/pages/executions.tsx'],
      ['/login', 'src/pages/login.tsx'],
    ];
    for (const [path, module] of pages) {
      const links = preloads(await html(path));
      assert.ok(links.includes(manifest[module]!.file), `${path}: ${manifest[module]!.file} among ${links.join(' ')}`);
      for (const [, other] of pages) if (other !== module) assert.ok(!links.includes(manifest[other]!.file), `${path} names ${other}`);
      // The charts' code is loaded once a chart is drawn, never preloaded.
      assert.ok(!links.some((file) => file?.includes('chart-views')), `${path} preloads the charts`);
    }
    // A path that is no listed page gets index.html as built.
    assert.equal(await html('/no/such/page'), readFileSync(join(repoRoot, 'web', 'dist', 'index.html'), 'utf8'));

    // In the browser: the task page's chunk is asked for by the link, before any script has run.
    const page = await context.newPage();
    const initiators: Array<{ url: string; type: string }> = [];
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (event) => initiators.push({ url: event.request.url, type: event.initiator.type }));
    await cdp.send('Network.enable');
    await page.goto(`${server.url}/tasks/${taskId}`);
    await page.getByTestId('task-title').filter({ hasText: 'loading_alpha' }).waitFor();
    const chunk = initiators.find((request) => request.url.endsWith(`/${manifest['src/pages/task-detail.tsx']!.file}`));
    assert.equal(chunk?.type, 'parser', JSON.stringify(chunk));
    await page.close();
  });

  test("the opened page's first data is asked for once, by the entry script, in the console's language", async () => {
    // zh-CN chosen in the UI (remembered): the early request must word the server's texts in it too.
    const chinese = await browser.newContext({ storageState: state, locale: 'en-US' });
    await withoutServerRender(chinese);
    const page = await chinese.newPage();
    await page.addInitScript({ content: "localStorage.setItem('cronfleet.language', 'zh-CN')" });
    const requests: Array<{ url: string; initiator: string; language: string | undefined }> = [];
    const cdp = await chinese.newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (event) => {
      if (!new URL(event.request.url).pathname.startsWith('/api/v1/')) return;
      const frame = event.initiator.stack?.callFrames[0];
      requests.push({ url: event.request.url, initiator: frame ? new URL(frame.url).pathname : event.initiator.type, language: event.request.headers['accept-language'] ?? event.request.headers['Accept-Language'] });
    });
    await cdp.send('Network.enable');
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'web', 'dist', '.vite', 'manifest.json'), 'utf8')) as Record<string, { file: string; imports?: string[] }>;
    const entry = manifest['index.html']!;
    const entryFiles = [entry.file, ...(entry.imports ?? []).map((key) => manifest[key]!.file)].map((file) => `/${file}`);
    for (const [path, wanted] of [
      ['/tasks', /\/api\/v1\/tasks\?/],
      [`/tasks/${taskId}`, new RegExp(`/api/v1/tasks/${taskId}\\?`)],
      ['/', /\/api\/v1\/stats\/overview\?/],
    ] as const) {
      requests.length = 0;
      await page.goto(`${server.url}${path}`);
      await page.waitForLoadState('networkidle');
      const asked = requests.filter((request) => wanted.test(request.url));
      assert.equal(asked.length, 1, `${path}: ${JSON.stringify(requests)}`);
      // The entry's own code or a module it imports statically: nothing of the app's.
      assert.ok(entryFiles.includes(asked[0]!.initiator), `${path}: ${JSON.stringify(asked[0])} not by ${entryFiles.join(' ')}`);
      assert.equal(asked[0]!.language, 'zh-CN', `${path}: ${JSON.stringify(asked[0])}`);
    }
    await page.locator('[data-testid="metric-running"]', { hasText: '正在运行' }).locator('.stat-value', { hasText: /\d/ }).waitFor();
    await chinese.close();
  });

  test('the first screen of the dashboard, the task list and a task page stays within 300 KB; the charts come after the figures', async () => {
    const targets: Array<[string, string, string, string]> = [
      ['dashboard', '/', '[data-testid="metric-pending"] .stat-value', '\\d'],
      ['task list', '/tasks', '[data-testid="task-table"] tbody tr', 'loading_'],
      ['task page', `/tasks/${taskId}`, '[data-testid="task-title"]', 'loading_alpha'],
    ];
    for (const [name, path, selector, text] of targets) {
      const load = await coldLoad(browser, state, `${server.url}${path}`, selector, text);
      try {
        const firstScreen = load.bytes(load.firstScreen);
        assert.ok(
          firstScreen <= firstScreenGoal,
          `${name}: first screen ${firstScreen} bytes: ${load.firstScreen.map((request) => `${request.path} ${request.bytes} (${Math.round(request.sentAt - load.shownAt)} ms)`).join(', ')}`,
        );
        assert.ok(
          load.firstScreen.some((request) => /\/assets\/react-[\w-]+\.js$/.test(request.path)),
          `${name}: the measure saw the app's scripts`,
        );
        assert.ok(!load.firstScreen.some((request) => request.path.includes('chart-views')), `${name}: the charts are part of the first screen`);
        if (name !== 'task list') {
          // A chart is drawn: its code came after the figures, as its own request.
          await load.page.getByTestId('trend-chart').locator('.recharts-bar-rectangle').first().waitFor({ state: 'attached' });
          assert.ok(
            load.later.some((request) => /\/assets\/chart-views-[\w-]+\.js$/.test(request.path) && request.bytes > 0),
            `${name}: charts loaded later: ${load.later.map((request) => request.path).join(' ')}`,
          );
          await load.page.mouse.move(0, 0);
          await load.page.screenshot({ path: join(screenshotDir, `console-loading-first-screen-${name.replace(' ', '-')}.png`), fullPage: true });
        }
      } finally {
        await load.context.close();
      }
    }
  });

  test('the build styles every Mantine class its scripts use, and only the components the console uses', () => {
    const assets = join(repoRoot, 'web', 'dist', 'assets');
    const read = (suffix: string) =>
      readdirSync(assets)
        .filter((file) => file.endsWith(suffix))
        .map((file) => readFileSync(join(assets, file), 'utf8'))
        .join('\n');
    const scripts = read('.js');
    const styles = read('.css');
    // Mantine names its classes (and animations) m_ and eight hex digits; one with no rule is an unstyled component.
    const used = new Set(scripts.match(/\bm_[0-9a-f]{8}\b/g));
    assert.ok(used.size > 100, `${used.size} Mantine classes in the scripts`);
    const unstyled = [...used].filter((name) => !styles.includes(`.${name}`) && !styles.includes(`@keyframes ${name}`));
    assert.deepEqual(unstyled, [], "add the component's file to web/src/mantine-styles.ts");
    // Not the whole library: a component the console never draws has no styles in the build.
    assert.ok(!styles.includes('.m_'.concat(mantineClassOf('Stepper'))), 'the Stepper (unused) is styled');
  });

  test('a page navigation the console does not know shows the app, not a server error', async () => {
    const page = await context.newPage();
    const traffic = watch(page);
    const response = await page.goto(`${server.url}/no/such/page`);
    assert.equal(response?.status(), 200);
    // The router sends an unknown route to the dashboard.
    await page.waitForURL(`${server.url}/`);
    await page.locator('[data-testid="metric-running"] .stat-value', { hasText: /\d/ }).waitFor();
    assert.deepEqual(traffic.problems, []);
    await page.close();
  });
});
