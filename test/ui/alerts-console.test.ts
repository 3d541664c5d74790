// Alerts in the console (issue 16), in a real browser, in English and Chinese: an admin
// creates a webhook channel pointing at a local receiver, sends a test and sees the
// receiver's answer, creates a rule for one task's failures, and after that task fails
// sees the alert on the task page and in Settings → Alerts; a viewer sees the task's
// rules read-only and no Alerts tab to edit. Screenshots: desktop and a 390 px phone.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, Receiver } from '../helpers/http-receiver.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { chromiumArgs, chromiumPath, ensureWebBuild, screenshotDir, signIn } from './browser.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const password = 'correct-horse-battery';
const phone = { width: 390, height: 844 };

describe('alerts in the web UI', { concurrency: false }, () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: Receiver;

  before(async () => {
    ensureWebBuild(repoRoot);
    mkdirSync(screenshotDir, { recursive: true });
    server = await startTestServer();
    receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: 'received' });
    for (const [username, role] of [
      ['alert-admin', 'admin'],
      ['alert-viewer', 'viewer'],
    ]) {
      const created = await server.request('POST', '/api/v1/users', { username, password, role });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
  });

  async function open(username: string, locale: string, path: string): Promise<Page> {
    const page = await signIn(browser, server.url, { username, password }, locale);
    await page.goto(`${server.url}${path}`);
    return page;
  }

  const cases = [
    { locale: 'en-US', suffix: 'en', testOk: 'Test delivered', sent: 'Sent', failed: 'Failed' },
    { locale: 'zh-CN', suffix: 'zh', testOk: '测试发送成功', sent: '已发送', failed: '失败' },
  ];

  for (const { locale, suffix, testOk, sent, failed } of cases) {
    test(`an admin sets up a channel and a rule and sees the alert (${locale})`, async () => {
      const taskName = `flaky_import_${suffix}`;
      const created = await server.request('POST', '/api/v1/tasks', { name: taskName, command: 'exit 3', shell: true });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const taskId: string = created.body.id;
      const channelName = `ops hook ${suffix}`;
      const ruleName = `import failures ${suffix}`;

      const page = await open('alert-admin', locale, '/settings/alerts');
      await page.getByTestId('new-channel').click();
      await page.getByTestId('channel-name').fill(channelName);
      // The server's own check names the field: a URL it refuses is marked on that input.
      await page.getByTestId('channel-field-url').fill('ftp://nowhere');
      await page.getByTestId('channel-save').click();
      await page.locator('[data-testid="channel-field-url"][aria-invalid="true"]').waitFor();
      await page.getByTestId('channel-field-url').fill(`${receiver.url}/hook`);
      await page.getByTestId('channel-save').click();
      const row = page.getByTestId(`channel-${channelName}`);
      await row.waitFor();
      const before = receiver.received.length;
      await row.getByTestId('channel-test').click();
      const result = row.getByTestId('channel-test-result');
      await result.waitFor();
      const resultText = await result.innerText();
      assert.ok(resultText.includes(testOk) && resultText.includes('200') && resultText.includes('received'), resultText);
      assert.equal(receiver.received.length, before + 1, 'the test reached the receiver');

      await page.getByTestId('new-rule').click();
      await page.getByTestId('rule-name').fill(ruleName);
      await page.getByTestId('rule-tasks').click();
      await page.getByTestId('rule-tasks').fill(taskName);
      await page.getByRole('option', { name: taskName }).click();
      await page.keyboard.press('Escape');
      await page.locator('.mantine-MultiSelect-input', { has: page.getByTestId('rule-channels') }).click();
      await page.getByRole('option', { name: channelName }).click();
      await page.getByTestId('rule-save').click();
      const ruleRow = page.getByTestId(`rule-${ruleName}`);
      await ruleRow.waitFor();
      const ruleText = await ruleRow.innerText();
      assert.ok(ruleText.includes(failed) && ruleText.includes(channelName), ruleText);
      const rules = (await server.request('GET', '/api/v1/alert-rules')).body.items as Array<{ name: string; task_ids: string[]; events: string[] }>;
      const rule = rules.find((entry) => entry.name === ruleName);
      assert.deepEqual([rule?.task_ids, rule?.events], [[taskId], ['failed']]);

      const triggered = await server.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
      assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
      await eventually('the failure alert sent', async () => {
        const alerts = (await server.request('GET', `/api/v1/alerts?task_id=${taskId}`)).body.items as Array<{ status: string }>;
        return alerts.some((alert) => alert.status === 'sent');
      });

      await page.goto(`${server.url}/tasks/${taskId}`);
      const card = page.getByTestId('task-alerts-card');
      await card.getByTestId(`task-rule-${ruleName}`).waitFor();
      await card.locator('[data-testid="alert-row"][data-status="sent"]').waitFor();
      assert.ok((await card.textContent())?.includes(sent));
      await page.screenshot({ path: join(screenshotDir, `alerts-task-${suffix}.png`), fullPage: true });

      await page.goto(`${server.url}/settings/alerts`);
      await page.locator('[data-testid="alert-row"][data-status="sent"]').first().waitFor();
      assert.ok((await page.getByTestId('alerts-table').first().textContent())?.includes(taskName), 'the history names the task');
      await page.screenshot({ path: join(screenshotDir, `alerts-settings-${suffix}.png`), fullPage: true });
      await page.setViewportSize(phone);
      await page.locator('[data-testid="alert-row"][data-status="sent"]').first().waitFor();
      // The side bar slides out when the window becomes a phone's: shoot once it is gone.
      await page.waitForFunction(() => ((globalThis as any).document.querySelector('.mantine-AppShell-navbar')?.getBoundingClientRect().right ?? 0) <= 0);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px on a phone`);
      await page.screenshot({ path: join(screenshotDir, `alerts-settings-phone-${suffix}.png`), fullPage: true });

      await page.goto(`${server.url}/`);
      await page.getByTestId('open-alerts-card').getByTestId('open-alert').first().waitFor();
      assert.ok((await page.getByTestId('open-alerts-card').textContent())?.includes(taskName), 'the dashboard names the task, not its id');
      await page.context().close();
    });
  }

  test('a viewer sees the rules of a task read-only and no Alerts tab', async () => {
    const tasks = (await server.request('GET', '/api/v1/tasks?search=flaky_import_en')).body.items as Array<{ id: string }>;
    assert.equal(tasks.length, 1);
    const page = await open('alert-viewer', 'en-US', `/tasks/${tasks[0]!.id}`);
    const card = page.getByTestId('task-alerts-card');
    await card.getByTestId('task-rule-import failures en').waitFor();
    assert.equal(await card.getByRole('link').count(), 0, 'no link to the settings a viewer cannot open');
    await page.goto(`${server.url}/settings/alerts`);
    await page.getByTestId('settings-tab-account').waitFor();
    assert.equal(await page.getByTestId('settings-tab-alerts').count(), 0);
    assert.equal(await page.getByTestId('new-channel').count(), 0);
    assert.equal(await page.getByTestId('new-rule').count(), 0);
    await page.context().close();
  });
});
