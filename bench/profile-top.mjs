// `node bench/profile-top.mjs <file.cpuprofile> [top]`: the functions with the most self time in a
// V8 CPU profile (what `BENCH_PROFILE` writes), with their share of the samples, and the share of
// each package (node_modules/<name>, the models package's dist/, node: internals).
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node bench/profile-top.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;

/** Where a frame's code lives: a package, the models package, Node's internals, or V8. */
function owner(url) {
  if (url === '') return '(v8 / native)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/packages/models-middleware/dist/')) return '@ccproxy/models-middleware';
  if (url.includes('/apps/proxy/dist/')) return 'apps/proxy';
  return url.replace(/^file:\/\/.*\//, '');
}

/** `name file:line`, the file shortened to its package path. */
const frameName = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${url.replace(/^file:\/\/.*node_modules\//, '').replace(/^file:\/\/.*\/(packages|apps)\//, '$1/')}:${lineNumber + 1}`;

const fns = new Map();
const owners = new Map();
for (const [id, samples] of selfSamples) {
  const { callFrame } = byId.get(id);
  const key = frameName(callFrame);
  fns.set(key, (fns.get(key) ?? 0) + samples);
  const o = owner(callFrame.url);
  owners.set(o, (owners.get(o) ?? 0) + samples);
}
// Inclusive: a sample counts once for every owner (and function) anywhere on its stack.
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const ownersIncl = new Map();
const fnsIncl = new Map();
for (const [id, samples] of selfSamples) {
  const seenOwners = new Set();
  const seenFns = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const { callFrame } = byId.get(at);
    if (callFrame.url === '') continue;
    seenOwners.add(owner(callFrame.url));
    seenFns.add(frameName(callFrame));
  }
  for (const o of seenOwners) ownersIncl.set(o, (ownersIncl.get(o) ?? 0) + samples);
  for (const f of seenFns) fnsIncl.set(f, (fnsIncl.get(f) ?? 0) + samples);
}
// Shares are of the busy samples: a server idles between its runs.
const idle = [...selfSamples].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)');
const idleSamples = idle.reduce((n, [, s]) => n + s, 0);
const busy = total - idleSamples;
const pct = (n) => `${((n / busy) * 100).toFixed(1).padStart(5)} %`;
owners.set('(v8 / native)', (owners.get('(v8 / native)') ?? 0) - idleSamples);
const first = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 12);
process.stdout.write(
  `${total} samples, ${((idleSamples / total) * 100).toFixed(1)} % idle; shares below are of the ${busy} busy ones\n\nself time by owner:\n`,
);
for (const [o, n] of first(owners)) process.stdout.write(`  ${pct(n)}  ${o}\n`);
process.stdout.write('\ntime with the owner anywhere on the stack:\n');
for (const [o, n] of first(ownersIncl)) process.stdout.write(`  ${pct(n)}  ${o}\n`);
process.stdout.write(`\ntop ${top} functions by total time (self + callees):\n`);
for (const [key, n] of [...fnsIncl].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`  ${pct(n)}  ${key}\n`);
}
process.stdout.write(`\ntop ${top} functions by self time:\n`);
for (const [key, n] of [...fns]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)) {
  process.stdout.write(`  ${pct(n)}  ${key}\n`);
}
