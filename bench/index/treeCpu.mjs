#!/usr/bin/env node
// CPU seconds a parser process spends on the files of a sample, split into Parser.parse and the
// rest (masking, body finding, extraction, text scans), files read and decoded up front. Every
// file goes through factsOfText as in a worker, so preprocessor-only files (scanned, not parsed)
// count too; stages.mjs leaves them out.
//   node --expose-gc bench/index/treeCpu.mjs TREE [DIR…] [--impl BUILD_DIR] [--rounds N]
// Without DIR the whole tree is taken (~1.4 GB of text for 6.12: add --max-old-space-size=8192).
import { createRequire } from 'node:module';
import { cpuSeconds as cpu, readSample, timedParser } from './sample.mjs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const take = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args.splice(i, 2)[1] : d; };
const impl = resolve(take('--impl', fileURLToPath(new URL('../../server/out', import.meta.url))));
const rounds = Number(take('--rounds', '1'));
const [root, ...dirs] = args;
if (!globalThis.gc || !root) {
  console.error('usage: node --expose-gc treeCpu.mjs TREE [DIR…] [--impl BUILD_DIR] [--rounds N]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { factsOfText, DEFAULT_LIMITS } = require(join(impl, 'index/readFile.js'));

const { files, texts } = readSample(root, dirs);
const mb = texts.reduce((a, t) => a + t.length, 0) / 1e6;
console.log(`${files.length} files, ${mb.toFixed(1)} MB; impl ${impl}`);

// Parser.parse's share, timed around each call (the calls are per file, the clock read is cheap).
const { parser, parseSeconds } = timedParser();

let facts = 0;
let bytes = 0;
globalThis.gc();
const t0 = cpu();
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < texts.length; k++) {
    const f = factsOfText(parser, files[k], texts[k], texts[k].length, 0, DEFAULT_LIMITS);
    facts += f.functions.length + f.calls.length + f.ops.length + f.tracepoints.length;
    // As the worker does: collect every ~64 MB of parsed input, or native trees pile up.
    if (!f.defineOnly && (bytes += texts[k].length) > 64e6) { globalThis.gc(); bytes = 0; }
  }
}
const total = (cpu() - t0) / rounds;
const p = parseSeconds() / rounds;
console.log(`total ${total.toFixed(2)} s  Parser.parse ${p.toFixed(2)} s  outside parse ${(total - p).toFixed(2)} s  (${facts / rounds} facts)`);
