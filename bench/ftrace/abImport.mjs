// Compares compiled builds (server/out directories) on whole imports, fresh process each, the
// builds alternating in every round so load on this shared VM hits them alike: process CPU
// (node's start included, as importOnce.mjs and run.mjs count it), wall time of the import, and
// the CPU of the main thread, of the parsing workers (still parked in the pool after the import)
// and of V8's helper threads (compilers, GC), from /proc/self/task.
// Usage: node bench/ftrace/abImport.mjs FILE ROUNDS OUT_A OUT_B [...]
//   (one import per process: node bench/ftrace/abImport.mjs --one FILE OUT)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--one') {
  const [file, out] = process.argv.slice(3);
  const t0 = process.hrtime.bigint();
  const { importTrace } = createRequire(import.meta.url)(`${out}/ftrace/importTrace.js`);
  await importTrace(file);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const ru = process.resourceUsage();
  // utime + stime per thread, in clock ticks (USER_HZ 100); every thread is named `node`.
  const threads = fs.readdirSync('/proc/self/task').map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { main: tid === String(process.pid), s: (Number(f[11]) + Number(f[12])) / 100 };
  });
  const others = threads.filter((t) => !t.main).map((t) => t.s).sort((a, b) => b - a);
  console.log(JSON.stringify({ wall, cpu: (ru.userCPUTime + ru.systemCPUTime) / 1e6, main: threads.find((t) => t.main).s, others }));
} else {
  const [file, rounds, ...outs] = process.argv.slice(2);
  const res = new Map(outs.map((o) => [o, { cpu: [], wall: [], main: [], others: [], sample: [] }]));
  for (let i = 0; i < Number(rounds); i++) {
    for (const o of outs) {
      const r = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--one', file, o], { encoding: 'utf8' }));
      const e = res.get(o);
      e.cpu.push(r.cpu);
      e.wall.push(r.wall);
      e.main.push(r.main);
      e.others.push(r.others.reduce((a, b) => a + b, 0));
      if (i === 0) e.sample = r.others.filter((x) => x > 0);
    }
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  for (const [o, r] of res) {
    console.log(`${o}: CPU median ${med(r.cpu).toFixed(3)} s, mean ${mean(r.cpu).toFixed(3)}, min ${Math.min(...r.cpu).toFixed(3)}; ` +
      `wall median ${med(r.wall).toFixed(3)} s, min ${Math.min(...r.wall).toFixed(3)}; ` +
      `threads: main median ${med(r.main).toFixed(2)} s, others ${med(r.others).toFixed(2)} s (first round: ${r.sample.join(' + ')})`);
  }
  console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
}
