// Fails on a wrong-way import between layers or an import cycle (STYLE.md rule 1).
// Layers are folders of src/; a file may import its own folder or the layers it is allowed to.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'src');

/** Which layers each layer may import (besides itself). */
const allowed: Record<string, string[]> = {
  protocol: [],
  domain: ['protocol'],
  config: ['protocol'],
  store: ['protocol', 'domain'],
  executor: ['protocol', 'domain'],
  dispatch: ['protocol', 'domain', 'store'],
  scheduler: ['protocol', 'domain', 'store', 'dispatch'],
  api: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler'],
  // The composition root: builds one instance from all the server's layers.
  server: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler', 'api'],
  sdk: ['protocol', 'domain', 'executor'],
  cli: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler', 'api', 'server', 'executor', 'sdk'],
};

function files(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? files(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files(root)) {
  const source = readFileSync(file, 'utf8');
  const layer = relative(root, file).split('/')[0]!;
  if (!(layer in allowed)) problems.push(`${relative(root, file)}: folder '${layer}' is not a known layer (add it to scripts/check-imports.ts)`);
  const targets: string[] = [];
  for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const specifier = match[1] ?? match[2]!;
    const target = resolve(dirname(file), specifier);
    const targetLayer = relative(root, target).split('/')[0]!;
    if (target.startsWith(root) && targetLayer !== layer && !allowed[layer]?.includes(targetLayer)) {
      problems.push(`${relative(root, file)} imports ${relative(root, target)}: '${layer}' may not import '${targetLayer}'`);
    }
    // Type-only imports cannot create a runtime cycle; they are still checked for direction.
    if (!/^import\s+type\s/.test(match[0])) targets.push(target);
  }
  graph.set(file, targets);
}

// Cycle detection: depth-first search with an explicit stack of the current path.
const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function visit(file: string): void {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'visiting') {
    const cycle = stack.slice(stack.indexOf(file)).concat(file).map((path) => relative(root, path));
    problems.push(`import cycle: ${cycle.join(' -> ')}`);
    return;
  }
  state.set(file, 'visiting');
  stack.push(file);
  for (const target of graph.get(file) ?? []) if (graph.has(target)) visit(target);
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) visit(file);

if (problems.length > 0) {
  console.error(`import check failed:\n  ${[...new Set(problems)].join('\n  ')}`);
  process.exit(1);
}
console.log(`import check: ${graph.size} files, layers respected, no cycles`);
