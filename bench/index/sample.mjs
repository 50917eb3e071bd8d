// The .c/.h files under DIRs of a tree (the whole tree without DIRs), sorted, read and decoded up
// front so the index benches time extraction only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readSample(root, dirs) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) files.push(p);
    }
  };
  for (const d of dirs.length ? dirs : ['.']) walk(join(root, d));
  files.sort();
  return { files, texts: files.map((f) => readFileSync(f).toString('utf8')) };
}
