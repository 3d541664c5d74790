// The `cronfleet` command's entry. For a CLI call it first turns on Node's module compile
// cache (the compiled code of cronfleet's modules kept on disk, under the system's temp dir
// or NODE_COMPILE_CACHE), so every later call loads about twice as fast; then it runs the
// program (program.ts). The cache is only an optimisation: where it cannot be used,
// everything works without it.
//
// A server or an agent runs without it: Node keeps every cache it read in memory for the
// life of the process (~7 MB of an idle server's RSS, issue 17), to save part of a start
// that happens once.
//
// An installed package runs on the user's Node.js: one older than the oldest with every
// API used here (node:sqlite unflagged, tls.setDefaultCACertificates: 22.19) gets one line
// saying so, not a link error (hence the namespace import: a named one of an export an
// old Node lacks fails before any line runs).
import * as nodeModule from 'node:module';
import { isLongRunning } from './long-running.ts';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`cronfleet: needs Node.js 22.19 or later (24 recommended); ${process.execPath} is ${process.version}\n`);
  process.exit(1);
}
const args = process.argv.slice(2);
if (!isLongRunning(args)) nodeModule.enableCompileCache();
// An agent's start skips the full CLI (agent-args.ts); every other call goes through it.
const agentFlags = args[0] === 'executor' ? (await import('./agent-args.ts')).agentStartFlags(args) : null;
if (agentFlags) await startAgent(agentFlags);
else await import('./program.ts');

async function startAgent(flags: NonNullable<typeof agentFlags>): Promise<void> {
  const [{ runAgent }, { exitOnCommandError }] = await Promise.all([import('./executor-agent.ts'), import('./cli-error.ts')]);
  try {
    await runAgent(flags);
  } catch (error) {
    exitOnCommandError(error);
    throw error;
  }
}
