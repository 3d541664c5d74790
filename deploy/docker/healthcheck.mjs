// The image's HEALTHCHECK. A server (`cronfleet server` or `up`) is healthy when its
// GET /healthz answers 200 on CRONFLEET_PORT (8080 unless set); an agent (`cronfleet
// executor`) listens on no port and is healthy while its process runs. Exit 0 healthy, 1 not.
// Its argument, for tests: the file holding the container's command (default /proc/1/cmdline).
/* global process, fetch, AbortSignal */
import { readFileSync } from 'node:fs';

const command = readFileSync(process.argv[2] ?? '/proc/1/cmdline', 'utf8').split('\0');
if (command.includes('executor')) process.exit(0);
const port = process.env.CRONFLEET_PORT || '8080';
const scheme = process.env.CRONFLEET_TLS_CERT ? 'https' : 'http';
if (scheme === 'https') process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // a probe of our own process on loopback
try {
  const response = await fetch(`${scheme}://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
