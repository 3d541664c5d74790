// console-load: how fast the web console opens, in Debian's chromium (playwright-core),
// against a server holding `--tasks` (2,000) tasks. For the dashboard, the task list and
// a task page: the time from navigation start until the page's data is on screen, cold
// (a new browser context: empty cache, signed in by cookie) and warm (the same context,
// second visit), with the requests made and the bytes they took on the wire (compressed
// as sent, headers included). For scale, the same browser's cold load of one static file
// from the same server (/favicon.svg): the floor the issue compares the console with,
// recorded through the same DevTools instrumentation as the console's visits.
// first_data_request_ms says when the page's first data request went out (auth/me aside):
// how long the data waited for the page's code.
// The first screen is what the page asked for until its data was on screen (requests sent
// before that moment); what it fetched afterwards until the network went quiet (the
// charts' code, drawn once the figures are shown) is counted in the totals only.
// A few runs of the first task are triggered (they wait, pending, with no executor) so
// that the dashboard and the task page have executions to draw: without them the pages
// draw no chart and never fetch the charts' code.
// The signed-in browser is a returning one: it has the view cookie the app writes, so the
// server sends the dashboard, the task list and the task page drawn with their data; the
// data is then in the DOM as the HTML is read, and first_contentful_paint_ms says when it
// was painted (after the style sheets). `--server-render off` drops the cookie: every page
// is the plain app, as before the server drew pages.
import { loadavg } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { noopTask, startFleet } from './cronfleet.ts';
import { distribution, inParallel, log, type Flags } from './support.ts';

// Same binary and flags as the UI tests (test/ui/browser.ts): never a downloaded browser.
const chromiumPath = process.env.CRONFLEET_CHROMIUM ?? '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A page and how to tell that its data is shown: an element only drawn from data, and text it must hold. */
interface Target {
  name: string;
  path: string;
  selector: string;
  /** A pattern the element's text must match (the dashboard draws its cards before data, with "—"). */
  text: string;
}

interface Load {
  ms_to_data: number;
  /** The first paint with content (the page's own timing): the data drawn in the HTML is on screen once the styles have loaded. */
  first_contentful_paint_ms: number | null;
  /** Whether the server sent the page drawn, with its data. */
  server_rendered: boolean;
  /** When the page's first API request (auth/me aside) went out, ms since navigation start. */
  first_data_request_ms: number | null;
  first_screen_requests: number;
  first_screen_asset_bytes_on_wire: number;
  requests: number;
  served_from_cache: number;
  bytes_on_wire: number;
  asset_requests: number;
  asset_bytes_on_wire: number;
  api_requests: number;
  api_bytes_on_wire: number;
}

const assetTypes = new Set(['Document', 'Script', 'Stylesheet', 'Font', 'Image', 'Other']);

export async function consoleLoad(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const taskCount = flags.number('tasks', 2000);
  const runs = flags.number('runs', 7);
  const label = flags.string('label', '');
  const triggeredRuns = flags.number('triggered-runs', 5);
  const notes = flags.string('notes', '');
  // `--server-render off`: the browser never names its view, so every page is drawn by the app.
  const serverRender = flags.string('server-render', 'on');
  const fleet = await startFleet({ dialect, label: 'console-load', agents: 0 });
  const server = fleet.servers[0]!;
  const username = 'bench-viewer';
  const password = 'bench-console-password';
  let browser: Browser | undefined;
  // The machine may be shared: the load says how much of a time is waiting for a CPU.
  const loadBefore = loadavg().map((value) => Math.round(value * 10) / 10);
  try {
    await server.api.expect('POST', '/api/v1/users', { username, password, role: 'admin' }, 201);
    const started = performance.now();
    let firstTaskId = '';
    await inParallel(taskCount, 32, async (i) => {
      const task = await server.api.expect('POST', '/api/v1/tasks', noopTask(`console-${String(i).padStart(5, '0')}`, '0 0 1 1 *', { description: `task ${i} of the console benchmark`, tags: [`group-${i % 10}`] }), 201);
      if (i === 0) firstTaskId = task.id as string;
    });
    log(`created ${taskCount} tasks in ${Math.round(performance.now() - started)} ms`);
    for (let run = 0; run < triggeredRuns; run++) await server.api.expect('POST', `/api/v1/tasks/${firstTaskId}/trigger`, {}, 202);

    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
    const storageState = await signInState(browser, server.url, username, password, serverRender === 'off');
    // Without the view cookie the server sends the plain app: the console as before it drew pages.
    if (serverRender === 'off') storageState.cookies = storageState.cookies.filter((cookie) => cookie.name !== 'cronfleet_view');
    const targets: Target[] = [
      { name: 'dashboard', path: '/', selector: '[data-testid="metric-running"] .stat-value', text: '\\d' },
      { name: 'task_list', path: '/tasks', selector: '[data-testid="task-table"] tbody tr', text: 'console-' },
      { name: 'task_page', path: `/tasks/${firstTaskId}`, selector: '[data-testid="task-title"]', text: 'console-00000' },
    ];

    const pages: Record<string, unknown> = {};
    for (const target of targets) {
      const cold: Load[] = [];
      const warm: Load[] = [];
      for (let run = 0; run < runs; run++) {
        const context = await browser.newContext({ storageState, locale: 'en-US', viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
        if (serverRender === 'off') await context.addInitScript({ content: keepViewUnnamed });
        try {
          cold.push(await visit(context, server.url, target));
          warm.push(await visit(context, server.url, target));
        } finally {
          await context.close();
        }
      }
      pages[target.name] = { path: target.path.replace(firstTaskId, '{id}'), cold: summary(cold), warm: summary(warm) };
      log(`${target.name}: cold ${JSON.stringify(summary(cold).ms_to_data)}, warm ${JSON.stringify(summary(warm).ms_to_data)}`);
    }

    const staticLoads: Array<{ ms: number; bytes: number }> = [];
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      try {
        staticLoads.push(await staticFile(context, `${server.url}/favicon.svg`));
      } finally {
        await context.close();
      }
    }
    const staticFileMs = distribution(staticLoads.map((load) => load.ms));
    log(`static file: ${JSON.stringify(staticFileMs)}`);
    const ratios: Record<string, number | null> = {};
    for (const [name, value] of Object.entries(pages)) {
      const cold = (value as { cold: { ms_to_data: { p50: number | null } } }).cold.ms_to_data.p50;
      ratios[name] = cold === null || !staticFileMs.p50 ? null : Math.round((cold / staticFileMs.p50) * 10) / 10;
    }
    return {
      workload: 'console-load',
      label: label || undefined,
      server_render: serverRender,
      database: dialect,
      tasks: taskCount,
      triggered_runs_of_first_task: triggeredRuns,
      runs,
      browser: `${chromiumPath} ${browser.version()}`,
      pages,
      static_file: { path: '/favicon.svg', cold_ms: staticFileMs, bytes_on_wire: staticLoads[0]?.bytes ?? null },
      cold_p50_over_static_file_p50: ratios,
      notes: notes || undefined,
      load_average_1_5_15: { before: loadBefore, after: loadavg().map((value) => Math.round(value * 10) / 10) },
    };
  } finally {
    await browser?.close();
    await fleet.stop();
  }
}

/** Signs in through the login form once; the cookie is handed to every measured context. */
async function signInState(browser: Browser, url: string, username: string, password: string, noServerRender: boolean) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill(password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((target) => !target.pathname.startsWith('/login'));
    // A returning browser: the app has written its view cookie, so the server draws pages (src/api/web-ui-render.ts).
    if (!noServerRender) for (let waited = 0; waited < 10_000 && !(await context.cookies()).some((cookie) => cookie.name === 'cronfleet_view'); waited += 50) await page.waitForTimeout(50);
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** Run in the page before its scripts with `--server-render off`: the app's view cookie is never written, so every load (warm ones too) is the plain app. */
const keepViewUnnamed = `(() => {
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return cookie.get.call(this); },
    set(value) { if (!String(value).startsWith('cronfleet_view=')) cookie.set.call(this, value); },
  });
})()`;

/** What the page logs when its data is shown (the bench waits for it). */
const dataShownMessage = 'cronfleet-bench: data shown';

/**
 * Run in the page before its scripts: notes when the element first holds the text (ms
 * since navigation start) and says so on the console. The bench waits for that message
 * rather than polling the page (page.waitForFunction): polling makes Playwright evaluate
 * its own injected script in the page while it loads (a 130 ms task on the page's main
 * thread in a trace of this machine) — work the static file's load, the comparison, never
 * has to do.
 */
const dataShownObserver = `function (selector, text, message) {
  const pattern = new RegExp(text);
  const observer = new MutationObserver(() => {
    const element = document.querySelector(selector);
    if (window.__dataShownAt === undefined && element && pattern.test(element.textContent || '')) {
      window.__dataShownAt = performance.now();
      observer.disconnect();
      console.debug(message);
    }
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}`;

/**
 * One visit in a new tab of `context`. The moment the data shows is taken in the page
 * (performance.now() is ms since navigation start) by a MutationObserver installed
 * before any of the page's scripts, so no polling delay is counted. Traffic is read
 * from the DevTools protocol: encodedDataLength is what crossed the wire.
 */
async function visit(context: BrowserContext, url: string, target: Target): Promise<Load> {
  const page = await context.newPage();
  try {
    // Page-side code as text: the project is type-checked without the DOM library.
    await page.addInitScript({ content: `(${dataShownObserver})(${JSON.stringify(target.selector)}, ${JSON.stringify(target.text)}, ${JSON.stringify(dataShownMessage)})` });
    const { cdp, requests } = await recordTraffic(context, page);
    const shown = page.waitForEvent('console', { predicate: (message) => message.text() === dataShownMessage, timeout: 120_000 });
    await page.goto(`${url}${target.path}`);
    await shown;
    // What the page fetches right after its data (a chart's chunk) belongs to this load too.
    await page.waitForLoadState('networkidle');
    // A large response may still be arriving when the network has been quiet for 500 ms
    // of requests; its bytes count once it has. The live-events stream never ends.
    for (let waited = 0; waited < 10_000 && [...requests.values()].some((request) => !request.done && request.type !== 'EventSource'); waited += 50) await page.waitForTimeout(50);
    const ms = await page.evaluate(() => (globalThis as unknown as { __dataShownAt: number }).__dataShownAt);
    const paint = await page.evaluate<number | null>(`performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null`);
    const serverRendered = await page.evaluate<boolean>(`document.getElementById('cronfleet-state') !== null`);
    const timeOrigin = await page.evaluate(() => performance.timeOrigin);
    const all = [...requests.values()];
    const sent = all.filter((request) => !request.cached);
    const assets = sent.filter((request) => assetTypes.has(request.type));
    const firstScreen = sent.filter((request) => request.sentAt <= timeOrigin + ms);
    const api = sent.filter((request) => request.type === 'XHR' || request.type === 'Fetch');
    const dataRequests = all.filter((request) => (request.type === 'XHR' || request.type === 'Fetch') && !request.url.endsWith('/api/v1/auth/me'));
    const firstDataRequest = dataRequests.length === 0 ? null : Math.min(...dataRequests.map((request) => request.sentAt)) - timeOrigin;
    const sum = (list: typeof all) => list.reduce((total, request) => total + request.bytes, 0);
    await cdp.detach();
    return {
      ms_to_data: Math.round(ms * 10) / 10,
      first_contentful_paint_ms: paint === null ? null : Math.round(paint * 10) / 10,
      server_rendered: serverRendered,
      first_data_request_ms: firstDataRequest === null ? null : Math.round(firstDataRequest),
      first_screen_requests: firstScreen.length,
      first_screen_asset_bytes_on_wire: sum(firstScreen.filter((request) => assetTypes.has(request.type))),
      requests: sent.length,
      served_from_cache: all.length - sent.length,
      bytes_on_wire: sum(sent),
      asset_requests: assets.length,
      asset_bytes_on_wire: sum(assets),
      api_requests: api.length,
      api_bytes_on_wire: sum(api),
    };
  } finally {
    await page.close();
  }
}

/**
 * A new tab's load of one static file: navigation start to the load event, from the page's
 * own timing. Its traffic is recorded as a console visit's is, so both loads carry the same
 * DevTools instrumentation.
 */
async function staticFile(context: BrowserContext, url: string): Promise<{ ms: number; bytes: number }> {
  const page = await context.newPage();
  try {
    const { cdp } = await recordTraffic(context, page);
    const response = await page.goto(url);
    await page.waitForLoadState('load');
    const timing = await page.evaluate<{ ms: number; bytes: number }>(`(() => {
      const entry = performance.getEntriesByType('navigation')[0];
      return { ms: entry.loadEventEnd, bytes: entry.transferSize };
    })()`);
    if (response?.status() !== 200) throw new Error(`${url} answered ${response?.status()}`);
    await cdp.detach();
    return { ms: Math.round(timing.ms * 10) / 10, bytes: timing.bytes };
  } finally {
    await page.close();
  }
}

interface Recorded {
  url: string;
  type: string;
  cached: boolean;
  bytes: number;
  /** Wall-clock ms, comparable with the page's performance.timeOrigin. */
  sentAt: number;
  done: boolean;
}

/** Records a tab's requests from the DevTools protocol: encodedDataLength is what crossed the wire. */
async function recordTraffic(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  const requests = new Map<string, Recorded>();
  cdp.on('Network.requestWillBeSent', (event) => {
    if (!event.request.url.startsWith('data:')) requests.set(event.requestId, { url: event.request.url, type: event.type ?? 'Other', cached: false, bytes: 0, sentAt: event.wallTime * 1000, done: false });
  });
  cdp.on('Network.requestServedFromCache', (event) => {
    const request = requests.get(event.requestId);
    if (request) request.cached = true;
  });
  cdp.on('Network.responseReceived', (event) => {
    const request = requests.get(event.requestId);
    if (request && (event.response.fromDiskCache || event.response.fromPrefetchCache)) request.cached = true;
  });
  cdp.on('Network.loadingFinished', (event) => {
    const request = requests.get(event.requestId);
    if (request) Object.assign(request, { bytes: event.encodedDataLength, done: true });
  });
  cdp.on('Network.loadingFailed', (event) => {
    const request = requests.get(event.requestId);
    if (request) request.done = true;
  });
  await cdp.send('Network.enable');
  return { cdp, requests };
}

/** Per figure: the time as a distribution, the counts and bytes as medians (they hardly vary). */
function summary(loads: Load[]) {
  const median = (pick: (load: Load) => number) => {
    const sorted = loads.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
  };
  return {
    ms_to_data: distribution(loads.map((load) => load.ms_to_data)),
    first_contentful_paint_ms: distribution(loads.flatMap((load) => (load.first_contentful_paint_ms === null ? [] : [load.first_contentful_paint_ms]))),
    server_rendered: loads.filter((load) => load.server_rendered).length,
    first_data_request_ms: median((load) => load.first_data_request_ms ?? Number.POSITIVE_INFINITY),
    first_screen_requests: median((load) => load.first_screen_requests),
    first_screen_asset_bytes_on_wire: median((load) => load.first_screen_asset_bytes_on_wire),
    requests: median((load) => load.requests),
    served_from_cache: median((load) => load.served_from_cache),
    bytes_on_wire: median((load) => load.bytes_on_wire),
    asset_requests: median((load) => load.asset_requests),
    asset_bytes_on_wire: median((load) => load.asset_bytes_on_wire),
    api_requests: median((load) => load.api_requests),
    api_bytes_on_wire: median((load) => load.api_bytes_on_wire),
  };
}
