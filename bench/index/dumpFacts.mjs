#!/usr/bin/env node
// Dumps every FileFacts field of every .c/.h file under the given directories of a tree, one
// JSON line per file, files sorted by path and object keys sorted, so two extractor versions can
// be compared with `cmp`. Used to show that a speed change leaves the facts unchanged.
//   node bench/index/dumpFacts.mjs TREE DIR… [--impl BUILD_DIR] > facts.jsonl
// --impl: a copy of server/out to load the extractor from (default: this checkout's build).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const implAt = args.indexOf('--impl');
const impl = implAt >= 0 ? resolve(args.splice(implAt, 2)[1]) : resolve(fileURLToPath(new URL('../../server/out', import.meta.url)));
const [root, ...dirs] = args;
if (!root || dirs.length === 0) {
  console.error('usage: dumpFacts.mjs TREE DIR… [--impl BUILD_DIR]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');
const { indexOneFile, DEFAULT_LIMITS } = require(join(impl, 'index/readFile.js'));

function sourceFiles(rel, out) {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) sourceFiles(child, out);
    else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(child);
  }
  return out;
}

/** JSON with object keys sorted at every level, so field order in the extractor does not matter. */
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

const parser = new Parser();
parser.setLanguage(C);
const files = dirs.flatMap((d) => sourceFiles(d.replace(/\/+$/, ''), [])).sort();
let n = 0;
for (const rel of files) {
  const facts = indexOneFile(parser, root, rel, DEFAULT_LIMITS);
  process.stdout.write(JSON.stringify(canonical(facts)) + '\n');
  if (++n % 200 === 0) globalThis.gc?.();
}
