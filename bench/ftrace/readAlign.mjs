// CPU of reading a file from the page cache in 128 KiB reads into a destination at a given
// offset from a page boundary (as the piece workers read into WebAssembly memory): min of 3.
// Usage: node bench/ftrace/readAlign.mjs FILE
import * as fs from 'node:fs';

const fd = fs.openSync(process.argv[2], 'r');
const size = fs.fstatSync(fd).size;
const mem = new WebAssembly.Memory({ initial: 1000 });
console.log(`CPU ms to read ${(size / 1e6).toFixed(0)} MB in 128 KiB reads (min of 3), by destination offset:`);
for (const offset of [0, 8, 16, 32, 64, 4096]) {
  const buf = Buffer.from(mem.buffer, (40 << 20) + offset, 128 << 10);
  const ms = [];
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    for (let p = 0; p < size;) { const n = fs.readSync(fd, buf, 0, buf.length, p); if (n === 0) break; p += n; }
    const c = process.cpuUsage(c0);
    ms.push((c.user + c.system) / 1000);
  }
  console.log(`${String(offset).padStart(6)}: ${Math.min(...ms).toFixed(0)} ms`);
}
