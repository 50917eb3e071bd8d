#!/usr/bin/env node
// CPU seconds per stage of the worker's per-file work over a sample of a tree, files read once
// up front (page cache and decoding excluded). Used to measure changes to the extractor.
//   node --expose-gc bench/index/stages.mjs TREE DIR… [--impl BUILD_DIR] [--rounds N]
// Default sample in the notes: fs/ext4 net/ipv4 kernel/sched drivers/net/ethernet/intel of 6.12.
import { createRequire } from 'node:module';
import { readSample } from './sample.mjs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const take = (k, d) => { const i = args.indexOf(k); return i >= 0 ? args.splice(i, 2)[1] : d; };
const impl = resolve(take('--impl', fileURLToPath(new URL('../../server/out', import.meta.url))));
const rounds = Number(take('--rounds', '1'));
const [root, ...dirs] = args;
if (!globalThis.gc || !root || dirs.length === 0) {
  console.error('usage: node --expose-gc stages.mjs TREE DIR… [--impl BUILD_DIR] [--rounds N]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');
const { maskAttributes } = require(join(impl, 'index/mask.js'));
const { blankBodies, findBodies } = require(join(impl, 'index/bodies.js'));
const { extractFacts } = require(join(impl, 'index/extract.js'));
const { isPreprocessorOnly } = require(join(impl, 'index/textScan.js'));

const { files, texts: all } = readSample(root, dirs);
const texts = all.filter((t) => !isPreprocessorOnly(t));
const mb = texts.reduce((a, t) => a + t.length, 0) / 1e6;
console.log(`${files.length} files, ${texts.length} parsed, ${mb.toFixed(1)} MB; impl ${impl}`);
const parser = new Parser();
parser.setLanguage(C);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let n = 0;
const collect = () => { if (++n % 200 === 0) globalThis.gc(); };
let lastStage = 0;
function stage(name, fn) {
  globalThis.gc();
  const t = cpu();
  let out;
  for (let r = 0; r < rounds; r++) out = texts.map(fn);
  const d = (cpu() - t) / rounds;
  lastStage = d;
  console.log(`${name.padEnd(20)} ${d.toFixed(2)} s  ${(mb / d).toFixed(1)} MB/s`);
  return out;
}
const masked = stage('mask', (t) => maskAttributes(t));
// Older builds blank the bodies to spaces and parse that; newer ones parse around them.
if (blankBodies) {
  const skeleton = stage('blankBodies', (_, i) => blankBodies(masked[i]));
  stage('parse skeleton', (_, i) => { parser.parse(skeleton[i], undefined, { bufferSize: skeleton[i].length + 1 }); collect(); });
} else {
  const { parseSkeleton } = require(join(impl, 'index/skeletonParse.js'));
  const { LineTable } = require(join(impl, 'index/lineTable.js'));
  stage('findBodies', (t, i) => findBodies(masked[i], t));
  stage('parse skeleton', (t, i) => { parseSkeleton(parser, t, masked[i], new LineTable(masked[i])); collect(); });
}
// Parser.parse's share of extractFacts, timed around each call: the rest is what the worker
// spends per file outside the parser (masking, body finding, extraction, text scans).
let inParse = 0;
const parse = parser.parse.bind(parser);
parser.parse = (...a) => { const t = cpu(); try { return parse(...a); } finally { inParse += cpu() - t; } };
stage('extractFacts', (t) => { extractFacts(parser, 'x.c', t, t.length, 0); collect(); });
console.log(`${'  outside parse'.padEnd(20)} ${(lastStage - inParse / rounds).toFixed(2)} s`);
