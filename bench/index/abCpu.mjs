#!/usr/bin/env node
// Two builds of the extractor in one process, interleaved: CPU seconds each spends on the same
// files, in total and outside Parser.parse. On a machine others are loading, separate runs differ
// by ±10 % from minute to minute; interleaving chunks of ~100 files makes both builds see the same
// load, so differences of a few percent become visible. Files are read and decoded up front and
// go through factsOfText as in a worker (preprocessor-only ones are scanned, not parsed).
//   node --expose-gc bench/index/abCpu.mjs TREE DIR… --a BUILD_DIR --b BUILD_DIR [--rounds N]
import { createRequire } from 'node:module';
import { cpuSeconds as cpu, readSample, timedParser } from './sample.mjs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const take = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args.splice(i, 2)[1] : d; };
const a = take('--a');
const b = take('--b');
const rounds = Number(take('--rounds', '1'));
const [root, ...dirs] = args;
if (!globalThis.gc || !root || !a || !b) {
  console.error('usage: node --expose-gc abCpu.mjs TREE [DIR…] --a BUILD_DIR --b BUILD_DIR [--rounds N]');
  process.exit(2);
}
const require = createRequire(import.meta.url);

const { files, texts } = readSample(root, dirs);
console.log(`${files.length} files, ${(texts.reduce((s, t) => s + t.length, 0) / 1e6).toFixed(1)} MB`);

const builds = [a, b].map((dir) => {
  const { parser, parseSeconds } = timedParser();
  const build = { dir: resolve(dir), parser, parseSeconds, total: 0, facts: 0, sinceGc: 0 };
  build.factsOfText = require(join(build.dir, 'index/readFile.js')).factsOfText;
  build.limits = require(join(build.dir, 'index/readFile.js')).DEFAULT_LIMITS;
  return build;
});
const CHUNK = 100;
globalThis.gc();
for (let r = 0; r < rounds; r++) {
  for (let from = 0; from < texts.length; from += CHUNK) {
    // Alternate which build goes first, so neither always follows the other's garbage.
    const order = (from / CHUNK + r) % 2 === 0 ? builds : [builds[1], builds[0]];
    for (const build of order) {
      const t = cpu();
      for (let k = from; k < Math.min(from + CHUNK, texts.length); k++) {
        const f = build.factsOfText(build.parser, files[k], texts[k], texts[k].length, 0, build.limits);
        build.facts += f.functions.length + f.calls.length + f.ops.length + f.tracepoints.length + f.exports.length;
        if (!f.defineOnly && (build.sinceGc += texts[k].length) > 64e6) { globalThis.gc(); build.sinceGc = 0; }
      }
      build.total += cpu() - t;
    }
  }
}
for (const [name, x] of [['a', builds[0]], ['b', builds[1]]]) {
  console.log(`${name}: total ${(x.total / rounds).toFixed(2)} s  Parser.parse ${(x.parseSeconds() / rounds).toFixed(2)} s  outside parse ${((x.total - x.parseSeconds()) / rounds).toFixed(2)} s  (${x.facts / rounds} facts)  ${x.dir}`);
}
const [x, y] = builds;
console.log(`b/a outside parse ${((y.total - y.parseSeconds()) / (x.total - x.parseSeconds())).toFixed(3)}, total ${(y.total / x.total).toFixed(3)}`);
