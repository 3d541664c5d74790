// Shared steps for scheduler tests: a server on a fake clock, and moving time fire by fire.
import type { TestServer } from '../helpers/server.ts';
import type { FakeClock } from '../helpers/fake-clock.ts';

/** Moves the clock by `ms` and waits until the fire loop has recorded the fires it caused. */
export async function advanceAndFire(t: TestServer, clock: FakeClock, ms: number): Promise<void> {
  const fired = t.server.events.wait('fired');
  await clock.advance(ms);
  await fired;
  await t.server.dispatcher.settled();
}

/** Jumps the clock to just before `instant` (no idle timer steps on the way), then fires it. */
export async function jumpAndFire(t: TestServer, clock: FakeClock, instant: number): Promise<void> {
  clock.set(instant - 1);
  await advanceAndFire(t, clock, 1);
}

export async function executions(t: TestServer, taskId: string): Promise<Array<Record<string, any>>> {
  const page = await t.request('GET', `/api/v1/executions?task_id=${taskId}&page_size=1000`);
  return (page.body.items as Array<Record<string, any>>).reverse(); // oldest first
}

export async function createTask(t: TestServer, body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.request('POST', '/api/v1/tasks', body);
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Polls until `check` passes (for real processes whose timing we do not control). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
