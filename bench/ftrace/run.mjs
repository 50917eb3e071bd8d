// ftrace import throughput: `kpn` import of a ≥500 MB trace-cmd report built from the real
// samples, side by side with an awk one-liner counting funcgraph_entry names, same run,
// median of 3. Two kpn figures: the import itself in a fresh process whose modules are loaded
// (what the editor's language server does, where node has long started), and the whole
// `kpn trace import` CLI process (what a shell user waits for, node's ~0.1 s start included).
// Usage: node bench/ftrace/run.mjs [--mb 512] [--runs 3] [--append]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const traces = path.join(repo, '..', 'shared', 'fixtures', 'traces');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const targetMb = arg('mb', 512);
const runs = arg('runs', 3);
const dataDir = path.join(repo, 'bench', '.data');
const file = path.join(dataDir, `ftrace-report-${targetMb}mb.txt`);

const AWK = '/funcgraph_entry/ { n = ($NF == "{") ? $(NF-1) : $NF; sub(/\\(.*/, "", n); c[n]++ } END { for (k in c) print k, c[k] }';

function build() {
  if (fs.existsSync(file) && fs.statSync(file).size >= targetMb * 1e6) return;
  fs.mkdirSync(dataDir, { recursive: true });
  // Record lines of the real report samples (function_graph + function + events), headers dropped.
  const body = ['tcr-funcgraph-01.txt', 'tcr-funcgraph-02.txt', 'tcr-function-01.txt']
    .map((f) => fs.readFileSync(path.join(traces, f), 'latin1').split('\n').filter((l) => / \[\d+\] /.test(l)).join('\n') + '\n')
    .join('');
  const block = Buffer.from(body.repeat(Math.max(1, Math.floor((8 << 20) / body.length))), 'latin1');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'version = 6\ncpus=4\n');
  for (let n = 0; n < targetMb * 1e6; n += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
}

/** /usr/bin/time -v of a whole command: wall and CPU seconds, peak RSS, stdout. */
function timeProcess(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}: ${r.stderr.slice(-500)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const cpuSeconds = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)[1]);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, cpuSeconds, maxRssKb: Number(rss[1]), stdout: r.stdout };
}

function timeAwk() {
  const r = timeProcess('awk', [AWK, file]);
  return { ...r, counts: new Map(r.stdout.trim().split('\n').map((l) => l.split(' ')).map(([k, v]) => [k, Number(v)])) };
}

/** The CLI as a user runs it: node's start and module loading included, the JSON model printed. */
function timeCli() {
  return timeProcess(process.execPath, [path.join(repo, 'server/out/cli/kpn.js'), 'trace', 'import', file, '--json']);
}

function timeKpn() {
  const out = execFileSync(process.execPath, [path.join(here, 'importOnce.mjs'), file], { encoding: 'utf8' });
  return JSON.parse(out);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

build();
const mb = fs.statSync(file).size / 1e6;
const kpn = [];
const awk = [];
const cli = [];
for (let i = 0; i < runs; i++) {
  // Alternate so page-cache warmth favours neither side.
  awk.push(timeAwk());
  kpn.push(timeKpn());
  cli.push(timeCli());
}
const awkEntries = [...awk[0].counts.values()].reduce((a, b) => a + b, 0);
const k = median(kpn.map((x) => x.seconds));
const a = median(awk.map((x) => x.seconds));
const c = median(cli.map((x) => x.seconds));
// The VM is shared (load average is printed); CPU seconds are the load-independent comparison.
const kc = median(kpn.map((x) => x.cpuSeconds));
const ac = median(awk.map((x) => x.cpuSeconds));
const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const lines = [
  `input: ${path.relative(repo, file)} (${mb.toFixed(0)} MB, trace-cmd report of the tcr-* samples repeated)`,
  `kpn import (${kpn[0].workers} parsing threads): median ${k.toFixed(2)} s = ${(mb / k).toFixed(0)} MB/s, peak RSS ${(median(kpn.map((x) => x.maxRssKb)) / 1024).toFixed(0)} MiB (runs: ${kpn.map((x) => x.seconds.toFixed(2)).join(', ')} s)`,
  `awk (mawk) funcgraph_entry name count: median ${a.toFixed(2)} s = ${(mb / a).toFixed(0)} MB/s, peak RSS ${(median(awk.map((x) => x.maxRssKb)) / 1024).toFixed(0)} MiB (runs: ${awk.map((x) => x.seconds.toFixed(2)).join(', ')} s)`,
  `ratio kpn/awk throughput (wall): ${(a / k).toFixed(2)}x`,
  `whole CLI process \`kpn trace import FILE --json\` (node start, module loading and JSON output included): median ${c.toFixed(2)} s (runs: ${cli.map((x) => x.seconds.toFixed(2)).join(', ')} s) = ${(a / c).toFixed(2)}x awk`,
  `CPU time: kpn ${kc.toFixed(2)} s = ${(mb / kc).toFixed(0)} MB/s per core, awk ${ac.toFixed(2)} s = ${(mb / ac).toFixed(0)} MB/s; ratio ${(ac / kc).toFixed(2)}x`,
  `load average at the end: ${load} (2 cores)`,
  `sanity: awk counted ${awkEntries} funcgraph_entry records; kpn model has ${kpn[0].calls} calls over ${kpn[0].functions} functions`,
];
console.log(lines.join('\n'));
if (process.argv.includes('--append')) {
  const res = path.join(repo, 'bench', 'RESULTS.md');
  const head = fs.existsSync(res) ? '' : '# Benchmark results\n';
  fs.appendFileSync(res, `${head}\n## ftrace import\n\n\`node bench/ftrace/run.mjs --mb ${targetMb} --runs ${runs}\` on ${new Date().toISOString().slice(0, 10)}, ${process.version}, 2-core VM:\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`);
}
