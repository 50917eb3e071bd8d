#!/usr/bin/env node
// Where a cold index's CPU goes between the main process and the parser processes: one
// in-process cold index of TREE (no cache), then wall time, main-process CPU, the parser
// processes' CPU (reaped children) and the main process's peak RSS. BUILD: a server/out to load
// (default this checkout's), so two builds can be compared run after run.
//   node bench/index/cpuSplit.mjs TREE [BUILD]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [tree, build = fileURLToPath(new URL('../../server/out', import.meta.url))] = process.argv.slice(2);
if (!tree) { console.error('usage: cpuSplit.mjs TREE [BUILD]'); process.exit(2); }
const { indexTree } = createRequire(import.meta.url)(join(resolve(build), 'index/indexTree.js'));
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = await indexTree(resolve(tree));
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
// The parser processes exit on disconnect; once reaped, their CPU is in this process's cutime/cstime.
await new Promise((res) => setTimeout(res, 1500));
const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
const ticks = 100; // USER_HZ
console.log(JSON.stringify({
  build, wallS: +wall.toFixed(1), mainCpuS: +((c.user + c.system) / 1e6).toFixed(1),
  parserCpuS: +((Number(stat[13]) + Number(stat[14])) / ticks).toFixed(1),
  mainPeakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), functions: r.index.stats().functions,
}));
