// What the index benches share: the .c/.h files under DIRs of a tree (the whole tree without DIRs),
// sorted, read and decoded up front so only extraction is timed; and a parser whose parse time is
// counted apart.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');

/** CPU seconds of this process. */
export const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

/** A tree-sitter-c parser and the CPU seconds spent in its parse calls so far (`parseSeconds()`). */
export function timedParser() {
  const parser = new Parser();
  parser.setLanguage(C);
  let inParse = 0;
  const parse = parser.parse.bind(parser);
  parser.parse = (...a) => { const t = cpuSeconds(); try { return parse(...a); } finally { inParse += cpuSeconds() - t; } };
  return { parser, parseSeconds: () => inParse };
}

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
