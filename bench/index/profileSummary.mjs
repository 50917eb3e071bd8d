#!/usr/bin/env node
// Self time per function (and per regular expression) of a V8 .cpuprofile, largest first.
//   node bench/index/profileSummary.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 40;
if (args.length !== 1) {
  console.error('usage: profileSummary.mjs FILE.cpuprofile [--top N]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(args[0], 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
// timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
for (let i = 0; i < prof.samples.length; i++) {
  const n = byId.get(prof.samples[i]);
  const f = n.callFrame;
  const file = f.url ? f.url.replace(/^.*\//, '') : '';
  const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`total ${(total / 1e6).toFixed(2)} s`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(us / 1e6).toFixed(3).padStart(8)} s ${(100 * us / total).toFixed(1).padStart(5)} %  ${k.slice(0, 160)}`);
}
