// Fails on a wrong-way import, an import cycle or an import of a file that does not
// exist (STYLE.md rule 1).
// - Layers are folders of src/; a file may import its own folder or the layers it is allowed to.
// - web/ talks to the server only through src/protocol: its types, and the enumerations'
//   values (src/protocol/enums.ts); nothing else of src/.
// - test/, bench/ and scripts/ may import anything in src/ (and their own folder); src/
//   never imports them.
// - Cycles count type-only imports too: two files whose types refer to each other cannot
//   be read, or moved to another layer, one without the other.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');

/** Which layers each layer of src/ may import (besides itself). */
const allowed: Record<string, string[]> = {
  protocol: [],
  domain: ['protocol'],
  config: ['protocol'],
  store: ['protocol', 'domain'],
  executor: ['protocol', 'domain'],
  // The OpenTelemetry SDK behind domain/trace-context.ts's SpanSink, for the server and the agent's CLI.
  telemetry: ['protocol', 'domain', 'config'],
  dispatch: ['protocol', 'domain', 'store'],
  scheduler: ['protocol', 'domain', 'store', 'dispatch'],
  // Alerts reuse the HTTP tasks' destination policy (executor/network-policy.ts).
  alerts: ['protocol', 'domain', 'store', 'dispatch', 'executor'],
  api: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler', 'alerts'],
  // The composition root: builds one instance from all the server's layers.
  server: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler', 'alerts', 'api', 'telemetry'],
  sdk: ['protocol', 'domain', 'executor'],
  cli: ['protocol', 'domain', 'config', 'store', 'dispatch', 'scheduler', 'alerts', 'api', 'server', 'executor', 'sdk', 'telemetry'],
};

/** Files of src/ that only their own layer, tests and benchmarks may import. */
const testDoors = ['src/store/raw-database.ts'];

/** The folders checked, and how a file's area is named (src/<layer>, or the folder). */
const checked = ['src', 'web', 'test', 'bench', 'scripts'];
const skipped = new Set(['node_modules', 'dist', 'results', 'public']);

function files(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : files(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** `src/store/tasks.ts` → `store`; `web/src/app.tsx` → `web`; `test/api/x.test.ts` → `test`. */
function areaOf(path: string): string {
  const [top, layer] = relative(repo, path).split('/');
  return top === 'src' ? layer! : top!;
}

interface Import {
  specifier: string;
  typeOnly: boolean;
}

// Static imports and re-exports at the start of a line (so that code in a test's template
// string is rarely taken for one), side-effect imports, and dynamic import() of a literal.
const importPattern = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;

function importsOf(source: string): Import[] {
  return [...source.matchAll(importPattern)].map((match) => ({ specifier: match[3] ?? match[4] ?? match[5]!, typeOnly: match[2] !== undefined }));
}

/** Why `file` may not import `target`, or null when it may. */
function refusal(file: string, target: string, typeOnly: boolean): string | null {
  const from = relative(repo, file);
  const to = relative(repo, target);
  const area = areaOf(file);
  const targetArea = areaOf(target);
  const inSrc = (path: string) => path.startsWith('src/');
  if (inSrc(from)) {
    if (!inSrc(to)) return `src/ never imports ${to.split('/')[0]}/`;
    if (targetArea !== area && !allowed[area]?.includes(targetArea)) return `'${area}' may not import '${targetArea}'`;
    if (testDoors.includes(to) && targetArea !== area) return `${to} is for tests and benchmarks only; use the store's methods`;
    return null;
  }
  if (area === 'web') {
    if (targetArea === 'web') return null;
    if (to.startsWith('src/protocol/') && (typeOnly || to === 'src/protocol/enums.ts')) return null;
    return 'web/ imports only src/protocol (types, and the values of src/protocol/enums.ts)';
  }
  // test/, bench/, scripts/
  if (inSrc(to) || targetArea === area) return null;
  return `'${area}' imports only src/ and its own folder`;
}

const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of checked.flatMap((folder) => files(join(repo, folder)))) {
  const area = areaOf(file);
  if (relative(repo, file).startsWith('src/') && !(area in allowed)) problems.push(`${relative(repo, file)}: folder '${area}' is not a known layer (add it to scripts/check-imports.ts)`);
  const targets: string[] = [];
  for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
    const target = resolve(dirname(file), specifier);
    if (!existsSync(target) || !statSync(target).isFile()) {
      problems.push(`${relative(repo, file)} imports ${specifier}, which does not exist`);
      continue;
    }
    if (!/\.tsx?$/.test(target)) continue; // a stylesheet or an image (web)
    const why = refusal(file, target, typeOnly);
    if (why) problems.push(`${relative(repo, file)} imports ${relative(repo, target)}: ${why}`);
    targets.push(target);
  }
  graph.set(file, targets);
}

// Cycle detection: depth-first search with an explicit stack of the current path.
const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function visit(file: string): void {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'visiting') {
    const cycle = stack
      .slice(stack.indexOf(file))
      .concat(file)
      .map((path) => relative(repo, path));
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
console.log(`import check: ${graph.size} files in ${checked.join(', ')}; layers respected, every import exists, no cycles (type-only imports included)`);
