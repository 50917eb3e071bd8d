// CPU of the byte path alone on one thread, warm: the first 64 MiB of FILE held in memory and fed
// to a piece builder's ReportBytes in 128 KiB blocks (as the reader gives them), 12 passes; no file
// reads. OUT is a compiled server/out directory, so two builds can be compared alternately.
// Usage: node bench/ftrace/scanOnly.mjs FILE [OUT]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = process.argv[3] ?? path.join(repo, 'server/out');
const req = createRequire(import.meta.url);
const { ModelBuilder } = req(path.join(out, 'ftrace/model.js'));
const { ReportBytes } = req(path.join(out, 'ftrace/text/reportBytes.js'));
const { ReportLineParser } = req(path.join(out, 'ftrace/text/reportLine.js'));
const fd = fs.openSync(process.argv[2], 'r');
const buf = Buffer.alloc(64 << 20);
const got = fs.readSync(fd, buf, 0, buf.length, 0);
const end = buf.lastIndexOf(10, got - 1);
const b = new ModelBuilder('trace-cmd-report', '', true);
const rb = new ReportBytes(b, new ReportLineParser(b));
const ms = [];
for (let pass = 0; pass < 12; pass++) {
  b.restartPiece();
  rb.restartPiece();
  const t0 = process.cpuUsage();
  let p = 0;
  let line = 1;
  while (p < end) {
    let e = buf.lastIndexOf(10, Math.min(end, p + (128 << 10)));
    if (e < p) e = buf.indexOf(10, p);
    line += rb.block(buf, p, e, line);
    p = e + 1;
  }
  b.pieceResult();
  const d = process.cpuUsage(t0);
  ms.push(Math.round((d.user + d.system) / 1000));
}
console.log(JSON.stringify({ out, minMs: Math.min(...ms.slice(2)), cpuMs: ms }));
