#!/usr/bin/env node
// Cost of a stability verdict on a whole-kernel index, as the hover and CodeLens pay it.
//
// Usage:  npx tsc -b && node --max-old-space-size=8192 bench/accuracy/verdictLatency.mjs --cache-file FILE.kpn [--tree DIR] [--sample N]
//   --cache-file  an index cache written by `kpn index --cache DIR` (or the server) for the tree
//   --tree        the tree that cache belongs to (default bench/.data/linux-source-6.12, as bench/index/run.mjs extracts it)
//   --sample      functions to time (default 2000; every k-th distinct name, so the spread is fixed)
// Evidence: this machine's BTF and /proc/kallsyms (the server's default). Prints p50/p90/p99/max
// for the first verdict in a file (it scans that file's text), a repeated verdict, and the
// CodeLens of whole files (one verdict per function).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = (p) => require(path.join(repo, 'server/out', p));
const { loadIndex } = out('index/cache.js');
const { functionVerdict } = out('stability/verdict.js');
const { loadEvidence } = out('stability/evidenceStore.js');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const cacheFile = opt('--cache-file');
if (!cacheFile) { console.error('usage: verdictLatency.mjs --cache-file FILE.kpn [--tree DIR] [--sample N]'); process.exit(2); }
const tree = path.resolve(opt('--tree') ?? path.join(repo, 'bench/.data/linux-source-6.12'));
const sample = Number(opt('--sample') ?? 2000);

const t0 = performance.now();
const loaded = await loadIndex(cacheFile, tree);
if (!loaded.index) { console.error(`cannot use ${cacheFile}: ${loaded.reason}`); process.exit(1); }
const index = loaded.index;
const stats = index.stats();
console.log(`index: ${stats.functions} functions, ${stats.calls} calls, ${stats.files} files (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
let t = performance.now();
const ev = loadEvidence({ runningKernel: true });
console.log(`evidence: ${ev.label} loaded in ${(performance.now() - t).toFixed(0)} ms${ev.problems.length ? `; problems: ${ev.problems.join('; ')}` : ''}`);
t = performance.now();
index.generation; // lookup tables
functionVerdict(index, 'tcp_v4_connect', ev);
console.log(`first verdict (lookup tables, call counts, one file scan): ${(performance.now() - t).toFixed(0)} ms`);

const names = [...index.functionNames()];
const step = Math.max(1, Math.floor(names.length / sample));
const picked = names.filter((_, i) => i % step === 0).slice(0, sample);
const time = (f) => { const s = performance.now(); f(); return performance.now() - s; };
// Cold: the first verdict in a file pays its text scan. Warm: the same name again, as a second
// hover in the same file does (the server also caches whole verdicts; this is without that cache).
const cold = [], warm = [];
for (const n of picked) {
  cold.push(time(() => functionVerdict(index, n, ev)));
  warm.push(time(() => functionVerdict(index, n, ev)));
}
const files = [...new Set(picked.map((n) => index.resolve(n)[0]?.file).filter(Boolean))].slice(0, 200);
const lens = files.map((f) => time(() => { for (const fn of index.functionsInFile(f)) functionVerdict(index, fn.name, ev, { def: fn, treeScans: 0 }); }));

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const row = (label, xs) => console.log(`${label.padEnd(44)} n=${String(xs.length).padStart(5)}  p50 ${pct(xs, 0.5).toFixed(2)} ms  p90 ${pct(xs, 0.9).toFixed(2)} ms  p99 ${pct(xs, 0.99).toFixed(2)} ms  max ${Math.max(...xs).toFixed(1)} ms`);
row('verdict, first in its file (scans the file)', cold);
row('verdict, same name again (file scanned)', warm);
row('CodeLens of a whole file (file already seen)', lens);
