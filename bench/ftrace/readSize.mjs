// CPU cost of reading a file from the page cache by read size (fs.readSync into one reused
// buffer), min of 3 passes: picks the piece reader's read size (text/reportPiece.ts).
// Usage: node bench/ftrace/readSize.mjs FILE
import * as fs from 'node:fs';

const file = process.argv[2];
const fd = fs.openSync(file, 'r');
const total = fs.fstatSync(fd).size;
const sizes = [16, 32, 64, 128, 192, 256, 1024, 4096].map((k) => k << 10);
const best = new Map();
for (let pass = 0; pass < 3; pass++) {
  for (const size of sizes) {
    const buf = Buffer.allocUnsafe(size);
    const c = process.cpuUsage();
    for (let pos = 0; pos < total;) pos += fs.readSync(fd, buf, 0, size, pos);
    const u = process.cpuUsage(c);
    best.set(size, Math.min(best.get(size) ?? Infinity, (u.user + u.system) / 1e3));
  }
}
console.log(`CPU ms to read ${(total / 1e6).toFixed(0)} MB (min of 3), by read size:`);
for (const [size, ms] of best) console.log(`  ${String(size >> 10).padStart(5)} KiB: ${ms.toFixed(0)} ms`);
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
