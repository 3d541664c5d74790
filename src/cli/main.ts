// The `cronfleet` command's entry. It first turns on Node's module compile cache (the
// compiled code of cronfleet's modules kept on disk, under the system's temp dir or
// NODE_COMPILE_CACHE), so every later start of a CLI call, an agent or a server loads
// about twice as fast; then it runs the program (program.ts). The cache is only an
// optimisation: where it cannot be used, everything works without it.
//
// An installed package runs on the user's Node.js: one older than the oldest with every
// API used here (node:sqlite unflagged, tls.setDefaultCACertificates: 22.19) gets one line
// saying so, not a link error (hence the namespace import: a named one of an export an
// old Node lacks fails before any line runs).
import * as nodeModule from 'node:module';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`cronfleet: needs Node.js 22.19 or later (24 recommended); ${process.execPath} is ${process.version}\n`);
  process.exit(1);
}
nodeModule.enableCompileCache();
await import('./program.ts');
