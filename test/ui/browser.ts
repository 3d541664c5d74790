// Shared setup for browser tests: Debian's chromium (never a downloaded browser), the
// flags that keep it quiet and headless, and a build of the UI when none exists yet.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const chromiumPath = process.env.CRONFLEET_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const screenshotDir = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));

/** `npm ci` builds the UI (prepare); a checkout that skipped it gets a build here. */
export function ensureWebBuild(repoRoot: string): void {
  if (existsSync(join(repoRoot, 'web', 'dist', 'index.html'))) return;
  execFileSync('npm', ['run', 'build:web'], { cwd: repoRoot, stdio: 'inherit' });
}
