// The `cronfleet` command's entry. It first turns on Node's module compile cache (the
// compiled code of cronfleet's modules kept on disk, under the system's temp dir or
// NODE_COMPILE_CACHE), so every later start of a CLI call, an agent or a server loads
// about twice as fast; then it runs the program (program.ts). The cache is only an
// optimisation: where it cannot be used, everything works without it.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./program.ts');
