#!/usr/bin/env node
// Accuracy of the source-only attachability predictor (server/src/stability/attachability.ts)
// against a real build: Debian's linux-image-6.1.0-56-amd64, whose vmlinux BTF lists every
// function that survived compilation as a traceable symbol (pahole emits FUNC entries only for
// functions in the ftrace mcount table).
//
// Usage:  npx tsc -b && node --expose-gc bench/accuracy/run.mjs [--tree DIR] [--from-rows] [--no-write]
//   --tree DIR    the 6.1.192 source (default $KPN_LINUX_61, else Debian's linux-source-6.1 extracted into bench/.data)
//   --from-rows   reuse bench/.data/attach-rows.json from the previous run (skips index + scan)
//   --no-write    print only; do not update bench/RESULTS.md
// Downloads the Debian package once (scripts/debian-6.1-btf.sh bench/.data) and caches the index
// of the tree in bench/.data. Writes `## attachability accuracy (Debian 6.1.0-56)` in bench/RESULTS.md.
//
// Population: functions defined in `.c` files that were compiled into vmlinux, i.e. files with at
// least two functions whose names are defined nowhere else in the tree and are in BTF (one, if the
// file has only one such name); functions inside
// `#if` blocks that Debian's .config turns off are left out (they were never compiled). Truth: the
// name is among the BTF FUNC names (for SYSCALL_DEFINE: any of the symbols the macro emits).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = (p) => path.join(repo, 'server/out', p);
const { Btf } = require(out('btf/btf.js'));
const { btfParams, comparePrototypes } = require(out('btf/prototypeMatch.js'));
const { predictAttachability } = require(out('stability/attachability.js'));
const { AttachContextBuilder } = require(out('stability/attachContext.js'));
const { readKernelConfig, lineStates, LINE_OFF } = require(out('stability/configConditions.js'));
const { scanNoFtrace } = require(out('stability/ftraceFlags.js'));

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const tree = path.resolve(opt('--tree') ?? process.env.KPN_LINUX_61 ?? extracted('6.1'));

/** Debian's linux-source tree of that version, extracted once into bench/.data. */
function extracted(version) {
  const dest = path.join(repo, `bench/.data/linux-source-${version}`);
  execFileSync('bash', [path.join(repo, 'scripts/kernel-tree.sh'), version, dest], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dest;
}
const dataDir = path.join(repo, 'bench/.data');
const rowsFile = path.join(dataDir, 'attach-rows.json');
const SECTION = '## attachability accuracy (Debian 6.1.0-56)';
const log = (s) => process.stderr.write(`accuracy: ${s}\n`);

/** `.c` files that can end up in an x86-64 vmlinux: other architectures, tools and samples never do. */
function listCFiles(root) {
  const skip = new Set(['.git', 'Documentation', 'tools', 'scripts', 'samples', 'usr']);
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (skip.has(child) || (rel === 'arch' && e.name !== 'x86')) continue;
        walk(child);
      } else if (e.isFile() && e.name.endsWith('.c')) out.push(child);
    }
  };
  walk('');
  return out;
}

/**
 * Only `.c` files are indexed (headers add nothing to this population), one at a time on this
 * thread with the indexer's own extraction (factsFromDisk); a forced GC every ~64 MB keeps the
 * native parser's memory down (see the indexer's worker.js).
 */
async function loadOrIndex() {
  const { KernelIndex } = require(out('index/kernelIndex.js'));
  const { factsFromDisk } = require(out('index/singleFile.js'));
  const { loadIndex, saveIndex, cacheFileFor } = require(out('index/cache.js'));
  const cache = cacheFileFor(dataDir, tree);
  const t0 = performance.now();
  const loaded = fs.existsSync(cache) ? await loadIndex(cache, tree) : { reason: 'no cache' };
  if (loaded.index) {
    log(`index loaded from ${path.relative(repo, cache)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { index: loaded.index, seconds: undefined };
  }
  const files = listCFiles(tree);
  log(`indexing ${files.length} .c files of ${tree} (${loaded.reason})`);
  const index = new KernelIndex(tree);
  let sinceGc = 0;
  for (let i = 0; i < files.length; i++) {
    const facts = await factsFromDisk(tree, files[i]);
    index.setFile(facts);
    sinceGc += facts.size;
    if (sinceGc > 64 << 20 && globalThis.gc) { globalThis.gc(); sinceGc = 0; await new Promise((r) => setImmediate(r)); }
    if (i % 5000 === 0) log(`  ${i}/${files.length}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`indexed ${files.length} files in ${seconds.toFixed(1)} s`);
  await saveIndex(index, cache);
  return { index, seconds };
}

async function buildRows(btf) {
  const { index, seconds } = await loadOrIndex();
  const config = readKernelConfig(path.join(dataDir, 'config-6.1.0-56'));
  const noFtrace = await scanNoFtrace(tree);
  const builder = new AttachContextBuilder(index, noFtrace);

  const filesOf = new Map();
  for (const fn of index.allFunctions()) {
    const s = filesOf.get(fn.name) ?? new Set();
    s.add(fn.file);
    filesOf.set(fn.name, s);
  }
  // One unique name found in BTF can be a coincidence (a module's file sharing a name with a built-in
  // function), so a file with more than one uniquely named function needs two of them in BTF.
  const compiled = index.fileList().filter((f) => {
    if (!f.endsWith('.c')) return false;
    const unique = index.functionsInFile(f).filter((fn) => filesOf.get(fn.name).size === 1);
    const found = unique.filter((fn) => btf.hasFunc(fn.name)).length;
    return found >= 2 || (found === 1 && unique.length === 1);
  });
  log(`${compiled.length} .c files compiled into vmlinux`);

  const rows = [];
  let compiledOut = 0;
  for (const file of compiled) {
    const text = fs.readFileSync(path.join(tree, file), 'utf8');
    const states = lineStates(text, config);
    for (const [fn, ctx] of builder.contextsForFile(file, text)) {
      if (states[fn.span.start.line] === LINE_OFF) { compiledOut++; continue; }
      const truthNames = fn.syscall ? fn.syscall.symbols : [fn.name];
      const inBtf = truthNames.some((n) => btf.hasFunc(n));
      let protoDiff;
      if (inBtf && !fn.syscall && btf.funcIdsOf(fn.name).length === 1 && filesOf.get(fn.name).size === 1) {
        const cmp = comparePrototypes(fn, btfParams(btf, btf.funcIdsOf(fn.name)[0]));
        protoDiff = cmp.matches ? null : cmp.differences;
      }
      rows.push({ fn: { name: fn.name, file: fn.file, qualifiers: fn.qualifiers, exported: fn.exported, syscall: fn.syscall, span: fn.span, returnType: fn.returnType, params: fn.params }, ctx, inBtf, protoDiff });
    }
  }
  return { rows, compiledFiles: compiled.length, compiledOut, indexSeconds: seconds };
}

function pct(a, b) { return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`; }

function evaluate(rows) {
  const m = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const strict = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const errors = new Map();
  const verdicts = new Map();
  for (const r of rows) {
    const p = predictAttachability(r.fn, r.ctx);
    r.prediction = p;
    const key = p.emitted ? (r.inBtf ? 'tp' : 'fp') : (r.inBtf ? 'fn' : 'tn');
    m[key]++;
    strict[p.attachable ? (r.inBtf ? 'tp' : 'fp') : (r.inBtf ? 'fn' : 'tn')]++;
    const v = verdicts.get(p.verdict) ?? { n: 0, inBtf: 0 };
    v.n++;
    if (r.inBtf) v.inBtf++;
    verdicts.set(p.verdict, v);
    if (key === 'fp' || key === 'fn') {
      const pattern = `${key === 'fp' ? 'predicted emitted, not in BTF' : 'predicted not emitted, in BTF'}: ${p.verdict} — ${p.reasons.join('; ')}`;
      const e = errors.get(pattern) ?? { n: 0, examples: [] };
      e.n++;
      if (e.examples.length < 4) e.examples.push(`${r.fn.name} (${r.fn.file}:${r.fn.span.start.line + 1})`);
      errors.set(pattern, e);
    }
  }
  return { m, strict, errors, verdicts };
}

function report(data, evald, btfPath, seconds) {
  const { rows } = data;
  const { m, strict, errors, verdicts } = evald;
  const present = rows.filter((r) => r.inBtf).length;
  const precision = m.tp / (m.tp + m.fp);
  const recall = m.tp / (m.tp + m.fn);
  const accuracy = (m.tp + m.tn) / rows.length;
  const basePrecision = present / rows.length;
  const proto = rows.filter((r) => r.protoDiff !== undefined);
  const protoBad = proto.filter((r) => r.protoDiff !== null);
  const lines = [
    SECTION,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/accuracy/run.mjs\` (${data.reused ? 'rows reused from bench/.data/attach-rows.json' : `${seconds.toFixed(0)} s`}${data.reused ? '' : data.indexSeconds ? `, of which indexing ${data.indexSeconds.toFixed(0)} s` : '; the index of the .c files came from its cache in bench/.data'}).`,
    'One parameter was tuned on this same data (OUT_OF_LINE_MIN_LINES = 16, swept over 13-17); there is no held-out kernel yet.',
    `Ground truth: FUNC names in the \`.BTF\` section of \`${path.relative(repo, btfPath)}\` (Debian linux-image-6.1.0-56-amd64-unsigned 6.1.192-2, via scripts/debian-6.1-btf.sh).`,
    `Population: ${rows.length} function definitions in ${data.compiledFiles} \`.c\` files compiled into vmlinux of the 6.1.192 source (linux-source-6.1): files with at least two functions whose names are unique in the tree and in BTF;`,
    `${data.compiledOut} more definitions sit in \`#if\` blocks that Debian's .config turns off and are not counted. ${present} (${pct(present, rows.length)}) are in BTF.`,
    '',
    '| predictor | precision | recall | accuracy | TP | FP | FN | TN |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| everything attachable (naive) | ${pct(present, rows.length)} | 100.0% | ${pct(present, rows.length)} | ${present} | ${rows.length - present} | 0 | 0 |`,
    `| attachability.ts \`emitted\` | ${pct(m.tp, m.tp + m.fp)} | ${pct(m.tp, m.tp + m.fn)} | ${pct(m.tp + m.tn, rows.length)} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} |`,
    `| attachability.ts \`attachable\` (notrace/init count as no) | ${pct(strict.tp, strict.tp + strict.fp)} | ${pct(strict.tp, strict.tp + strict.fn)} | ${pct(strict.tp + strict.tn, rows.length)} | ${strict.tp} | ${strict.fp} | ${strict.fn} | ${strict.tn} |`,
    '',
    '"In BTF" is the positive class: precision = of the functions we predict survive, how many are in BTF;',
    'recall = of the functions in BTF, how many we predict survive. pahole 1.24 (Debian 6.1) records every',
    'function that kept a symbol of its exact name, including `notrace`, `noinstr` and `__init` ones, so BTF',
    'measures the `emitted` half of the prediction; `attachable` additionally says no for those (a kprobe/fentry',
    'cannot attach to them after boot), which the second row shows costs recall against this truth by design.',
    '',
    '| verdict | functions | in BTF |',
    '| --- | --- | --- |',
    ...[...verdicts].sort((a, b) => b[1].n - a[1].n).map(([v, c]) => `| ${v} | ${c.n} | ${c.inBtf} (${pct(c.inBtf, c.n)}) |`),
    '',
    'Largest misclassified patterns (count, examples):',
    '',
    ...[...errors].sort((a, b) => b[1].n - a[1].n).slice(0, 12).map(([k, e]) => `- ${e.n} × ${k}. e.g. ${e.examples.join(', ')}`),
    '',
    `Prototype check (same data): of ${proto.length} functions with exactly one definition in the tree and one BTF FUNC, ${protoBad.length} (${pct(protoBad.length, proto.length)}) have a BTF prototype that differs from the source as indexed; examples:`,
    '',
    ...protoBad.slice(0, 6).map((r) => `- \`${r.fn.name}\` (${r.fn.file}): ${r.protoDiff.join('; ')}`),
    '',
  ];
  return { text: lines.join('\n'), precision, recall, accuracy, basePrecision };
}

function writeSection(text) {
  const file = path.join(repo, 'bench/RESULTS.md');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const start = old.indexOf(SECTION);
  let next;
  if (start >= 0) {
    const after = old.indexOf('\n## ', start + SECTION.length);
    next = old.slice(0, start) + text + (after >= 0 ? old.slice(after + 1) : '');
  } else {
    next = old.replace(/\n*$/, '\n\n') + text;
  }
  fs.writeFileSync(file, next);
}

const t0 = performance.now();
execFileSync('bash', [path.join(repo, 'scripts/debian-6.1-btf.sh'), dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
const btfPath = path.join(dataDir, 'vmlinux-6.1.0-56');
const btf = Btf.open(btfPath);
let data;
if (args.includes('--from-rows') && fs.existsSync(rowsFile)) {
  data = { ...JSON.parse(fs.readFileSync(rowsFile, 'utf8')), reused: true };
} else {
  if (!fs.existsSync(path.join(tree, 'Makefile'))) {
    log(`no kernel tree at ${tree} (scripts/kernel-tree.sh 6.1 DIR makes one)`);
    process.exit(1);
  }
  data = await buildRows(btf);
  fs.writeFileSync(rowsFile, JSON.stringify(data));
}
const evald = evaluate(data.rows);
const r = report(data, evald, btfPath, (performance.now() - t0) / 1000);
process.stdout.write(r.text + '\n');
if (!args.includes('--no-write')) writeSection(r.text);
log(`precision ${(r.precision * 100).toFixed(1)}%, recall ${(r.recall * 100).toFixed(1)}% (naive precision ${(r.basePrecision * 100).toFixed(1)}%)`);
