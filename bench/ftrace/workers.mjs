// One process, the same file imported with {workers: 1} and {workers: 2} alternately: wall time,
// process CPU time, and CPU per thread (from /proc/self/task, so the main thread's share of a
// parallel import is visible). Usage: node bench/ftrace/workers.mjs FILE [--runs 2] [--workers N (only N)] [--piece-mib M]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { importTrace } = createRequire(import.meta.url)(path.join(repo, 'server/out/ftrace/importTrace.js'));
const file = process.argv[2];
const i = process.argv.indexOf('--runs');
const runs = i > 0 ? Number(process.argv[i + 1]) : 2;
const w = process.argv.indexOf('--workers');
const counts = w > 0 ? [Number(process.argv[w + 1])] : [1, 2];
const ps = process.argv.indexOf('--piece-mib');
const pieceSize = ps > 0 ? Number(process.argv[ps + 1]) << 20 : undefined;
const TICK = 100; // USER_HZ

/** CPU seconds per thread id (utime + stime), threads that have exited are gone from the list. */
function threadCpu() {
  const out = new Map();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { comm, s: (Number(f[11]) + Number(f[12])) / TICK });
    } catch { /* thread exited meanwhile */ }
  }
  return out;
}

const mb = fs.statSync(file).size / 1e6;
for (let r = 0; r < runs; r++) {
  for (const workers of counts) {
    const main = String(process.pid);
    const before = threadCpu();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let peak = new Map();
    // Worker threads exit before the import resolves: sample their CPU while they run.
    const timer = setInterval(() => {
      for (const [t, { comm, s }] of threadCpu()) if (t !== main) peak.set(t, { comm, s: Math.max(peak.get(t)?.s ?? 0, s - (before.get(t)?.s ?? 0)) });
    }, 50);
    const m = await importTrace(file, { workers, pieceSize });
    clearInterval(timer);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const mainCpu = threadCpu().get(main).s - before.get(main).s;
    const others = [...peak.values()].filter((t) => t.s >= 0.01).sort((a, b) => b.s - a.s).map((t) => `${t.comm} ${t.s.toFixed(2)}`);
    console.log(`workers:${workers} wall ${wall.toFixed(2)} s = ${(mb / wall).toFixed(0)} MB/s, CPU ${((c.user + c.system) / 1e6).toFixed(2)} s ` +
      `(main thread ${mainCpu.toFixed(2)} s, other threads at least: ${others.join(', ') || 'none'}), records ${m.records}`);
  }
}
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
