// Summarises a V8 .cpuprofile (from `--cpu-prof`): the functions with the most self
// time, and the project's functions with the most total (inclusive) time.
//   node bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

process.stdout.on('error', () => process.exit(0)); // piped into head
const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const label = (node: ProfileNode) => {
  const url = node.callFrame.url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, '$1/');
  return `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
};
const self = new Map<string, number>();
const total = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  self.set(label(node), (self.get(label(node)) ?? 0) + us);
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
    const name = label(byId.get(current)!);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + us);
  }
}
const wall = profile.endTime - profile.startTime;
const idle = [...self].filter(([name]) => name.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0);
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / wall) * 100).toFixed(1).padStart(5)}%`;
process.stdout.write(`wall ${(wall / 1e6).toFixed(1)} s, busy ${(((wall - idle) / wall) * 100).toFixed(1)}%\n\nself time:\n`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(us)}  ${name}\n`);
process.stdout.write('\ntotal time, project code:\n');
for (const [name, us] of [...total]
  .filter(([name]) => / (src|bench)\//.test(name))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  process.stdout.write(`${ms(us)}  ${name}\n`);
