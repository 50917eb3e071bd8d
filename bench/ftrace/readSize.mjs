// CPU cost of reading a file from the page cache (fs.readSync into one reused buffer), min of 3
// passes: by read size, which picks the piece reader's read size (text/reportPiece.ts); then by
// the destination's offset from a page boundary, in 128 KiB reads into WebAssembly memory as the
// piece workers do (why text/graphScanner.ts page-aligns its read buffer).
// Usage: node bench/ftrace/readSize.mjs FILE
import * as fs from 'node:fs';

const file = process.argv[2];
const fd = fs.openSync(file, 'r');
const total = fs.fstatSync(fd).size;

/** Min CPU ms of 3 passes over the file into each buffer. */
function cost(buffers) {
  const best = new Map();
  for (let pass = 0; pass < 3; pass++) {
    for (const [key, buf] of buffers) {
      const c = process.cpuUsage();
      for (let pos = 0; pos < total;) pos += fs.readSync(fd, buf, 0, buf.length, pos);
      const u = process.cpuUsage(c);
      best.set(key, Math.min(best.get(key) ?? Infinity, (u.user + u.system) / 1e3));
    }
  }
  return best;
}

const bySize = cost([16, 32, 64, 128, 192, 256, 1024, 4096].map((k) => [k, Buffer.allocUnsafe(k << 10)]));
console.log(`CPU ms to read ${(total / 1e6).toFixed(0)} MB (min of 3), by read size:`);
for (const [k, ms] of bySize) console.log(`  ${String(k).padStart(5)} KiB: ${ms.toFixed(0)} ms`);
const mem = new WebAssembly.Memory({ initial: 1000 });
const byOffset = cost([0, 8, 16, 32, 64, 4096].map((o) => [o, Buffer.from(mem.buffer, (40 << 20) + o, 128 << 10)]));
console.log('in 128 KiB reads, by destination offset from a page boundary:');
for (const [o, ms] of byOffset) console.log(`  ${String(o).padStart(5)} B: ${ms.toFixed(0)} ms`);
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
