// Compares compiled builds (server/out directories, e.g. two WebAssembly modules) on the byte
// path alone, in one process, the builds alternating pass by pass so load on this shared VM hits
// them alike: the first MB MiB of FILE held in memory and fed to each build's piece builder in
// 128 KiB blocks, as scanOnly.mjs does. Prints per build the min, the mean of the fastest third
// and the median CPU ms of a pass (the first 3 passes, JIT warm-up, left out).
// Usage: node bench/ftrace/abScan.mjs FILE PASSES OUT_A OUT_B [...] [--mb 32]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const req = createRequire(import.meta.url);
const args = process.argv.slice(2);
const m = args.indexOf('--mb');
const mib = m >= 0 ? Number(args.splice(m, 2)[1]) : 32;
const [file, passes, ...outs] = args;
const buf = Buffer.alloc(mib << 20);
const got = fs.readSync(fs.openSync(file, 'r'), buf, 0, buf.length, 0);
const end = buf.lastIndexOf(10, got - 1);

const runs = outs.map((out) => {
  const { ModelBuilder } = req(`${out}/ftrace/model.js`);
  const { ReportBytes } = req(`${out}/ftrace/text/reportBytes.js`);
  const { ReportLineParser } = req(`${out}/ftrace/text/reportLine.js`);
  const b = new ModelBuilder('trace-cmd-report', '', true);
  const rb = new ReportBytes(b, new ReportLineParser(b));
  return () => {
    b.restartPiece();
    rb.restartPiece();
    let line = 1;
    for (let p = 0; p < end;) {
      let e = buf.lastIndexOf(10, Math.min(end, p + (128 << 10)));
      if (e < p) e = buf.indexOf(10, p);
      line += rb.block(buf, p, e, line);
      p = e + 1;
    }
    return b.pieceResult().model.records;
  };
});
const ms = outs.map(() => []);
for (let p = 0; p < Number(passes); p++) {
  runs.forEach((run, k) => {
    const t0 = process.cpuUsage();
    run();
    const d = process.cpuUsage(t0);
    ms[k].push((d.user + d.system) / 1000);
  });
}
outs.forEach((out, k) => {
  const s = ms[k].slice(3).sort((x, y) => x - y);
  const third = s.slice(0, Math.ceil(s.length / 3));
  console.log(`${out}: min ${s[0].toFixed(1)} ms, fastest third ${(third.reduce((x, y) => x + y, 0) / third.length).toFixed(1)} ms, median ${s[s.length >> 1].toFixed(1)} ms`);
});
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
