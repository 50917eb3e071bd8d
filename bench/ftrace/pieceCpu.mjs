// CPU of parsing pieces on one thread, as a worker does (parseReportPiece), warm: the first
// `--mb` MiB of FILE in 16 MiB pieces, `--passes` times; prints CPU per pass and the model's sums
// (so runs with KPN_FTRACE_WASM_MODEL=0 / KPN_FTRACE_WASM=0 can be compared).
// Usage: node bench/ftrace/pieceCpu.mjs FILE [--mb 64] [--passes 8] [--out dir/of/server/out]
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = arg('--out', path.join(repo, 'server/out'));
const req = createRequire(import.meta.url);
const { parseReportPiece } = req(path.join(out, 'ftrace/text/reportPiece.js'));
const { pieceStarts } = req(path.join(out, 'ftrace/text/pieceBounds.js'));
const file = process.argv[2];
const limit = Number(arg('--mb', '64')) << 20;
const passes = Number(arg('--passes', '8'));
const fd = fs.openSync(file, 'r');
const total = Math.min(fs.fstatSync(fd).size, limit);
const starts = pieceStarts(fd, total, 16 << 20);
const ends = [...starts.slice(1), total];
const ms = [];
let records = 0;
for (let p = 0; p < passes; p++) {
  const t0 = process.cpuUsage();
  records = 0;
  for (let i = 0; i < starts.length; i++) records += parseReportPiece(fd, starts[i], ends[i]).result.model.records;
  const d = process.cpuUsage(t0);
  ms.push(Math.round((d.user + d.system) / 1000));
}
console.log(JSON.stringify({ mib: total / 2 ** 20, pieces: starts.length, cpuMs: ms, minMs: Math.min(...ms), records }));
