#!/usr/bin/env node
// Index benchmark on the full linux-source-6.12 tree, side by side with universal-ctags in the
// same run: cold index (no cache), warm start (cache present), peak RSS, facts extracted; then
// hover/definition latency over 1,000 random function names through the real language server.
//   node bench/index/run.mjs [--tree DIR] [--runs 3] [--queries 1000] [--out bench/RESULTS.md]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../test/support/lspClient.mjs';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(`--${k}`); return i >= 0 ? args[i + 1] : d; };
const RUNS = Number(opt('runs', 3));
const QUERIES = Number(opt('queries', 1000));
const KPN = join(REPO, 'server/out/cli/kpn.js');

function tree() {
  const given = opt('tree', process.env.KPN_BENCH_TREE);
  if (given) return resolve(given);
  const dest = join(REPO, 'bench/.data/linux-source-6.12');
  execFileSync('bash', [join(REPO, 'scripts/kernel-tree.sh'), '6.12', dest], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dest;
}

/** Runs a command under GNU time; returns wall seconds, peak RSS (MiB) and stdout. */
function timed(cmd, argv, cwd) {
  const out = mkdtempSync(join(tmpdir(), 'kpn-bench-time-'));
  const f = join(out, 't');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', f, cmd, ...argv], { cwd, maxBuffer: 1 << 28, encoding: 'utf8' });
  const [wall, kb] = readFileSync(f, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { recursive: true, force: true });
  return { wall, rssMiB: Math.round(kb / 1024), stdout };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

const root = tree();
const ctagsVersion = execFileSync('ctags', ['--version'], { encoding: 'utf8' }).split('\n')[0];
console.error(`tree ${root}; ${ctagsVersion}; ${RUNS} runs`);
// Warm the page cache once so every contestant reads from memory.
execFileSync('bash', ['-c', 'find . -name "*.[ch]" -print0 | xargs -0 cat > /dev/null'], { cwd: root });

const rows = { ctags: [], cold: [], warm: [] };
const loads = [];
// The last run's cache serves the latency step, so it does not index the tree a fourth time.
let lastCache;
let stats;
let ctagsTags = 0;
if (RUNS === 0) console.error('--runs 0: latency only');
for (let r = 0; r < RUNS; r++) {
  const tagsDir = mkdtempSync(join(tmpdir(), 'kpn-bench-tags-'));
  const c = timed('ctags', ['-R', '--languages=C', '--langmap=c:+.h', '--kinds-C=+p', '--fields=+nS', '-f', join(tagsDir, 'tags'), '.'], root);
  ctagsTags = Number(execFileSync('bash', ['-c', `grep -c '	f	\\|;"	f' ${join(tagsDir, 'tags')} || true`], { encoding: 'utf8' }).trim());
  rmSync(tagsDir, { recursive: true, force: true });
  rows.ctags.push(c);
  const cacheDir = mkdtempSync(join(tmpdir(), 'kpn-bench-cache-'));
  const cold = timed(process.execPath, [KPN, 'index', root, '--cache', cacheDir, '--json']);
  stats = JSON.parse(cold.stdout);
  rows.cold.push(cold);
  rows.warm.push(timed(process.execPath, [KPN, 'index', root, '--cache', cacheDir, '--json']));
  if (r < RUNS - 1) rmSync(cacheDir, { recursive: true, force: true });
  else lastCache = cacheDir;
  loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  console.error(`run ${r + 1} (load ${loads.at(-1)}): ctags ${c.wall}s ${c.rssMiB}MiB · kpn cold ${cold.wall}s ${cold.rssMiB}MiB · warm ${rows.warm.at(-1).wall}s ${rows.warm.at(-1).rssMiB}MiB`);
}

// Latency through the real server, started on a saved cache (--cache DIR reuses one).
const cacheDir = opt('cache') ?? lastCache ?? mkdtempSync(join(tmpdir(), 'kpn-bench-cache-'));
execFileSync(process.execPath, [KPN, 'index', root, '--cache', cacheDir]);
const t0 = Date.now();
const server = await startServer(root, { cacheDir });
const firstReady = await server.ready;
const readyMs = Date.now() - t0;
const rssAfterIndex = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))[1]) >> 10;

const { indexTree } = await import('../../server/out/index/indexTree.js');
const { loadIndex, cacheFileFor } = await import('../../server/out/index/cache.js');
const loaded = (await loadIndex(cacheFileFor(cacheDir, root), root)).index ?? (await indexTree(root)).index;
const all = [...loaded.allFunctions()];
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const picks = Array.from({ length: QUERIES }, () => all[Math.floor(rand() * all.length)]);
const opened = new Set();
const hover = [];
const definition = [];
let answered = 0;
const hoverOf = [];
for (const fn of picks) {
  const openedBefore = opened.size;
  if (!opened.has(fn.file)) {
    opened.add(fn.file);
    await server.open(fn.file, readFileSync(join(root, fn.file), 'utf8'));
  }
  const position = { line: fn.nameSpan.start.line, character: fn.nameSpan.start.col + 1 };
  const textDocument = { uri: server.uri(fn.file) };
  let t = process.hrtime.bigint();
  const h = await server.conn.sendRequest('textDocument/hover', { textDocument, position });
  hover.push(Number(process.hrtime.bigint() - t) / 1e6);
  hoverOf.push(`${fn.name} (${fn.file}, ${opened.size === openedBefore ? 'file open already' : 'file just opened'})`);
  t = process.hrtime.bigint();
  const d = await server.conn.sendRequest('textDocument/definition', { textDocument, position });
  definition.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (h && d?.length) answered++;
}
const rssAfterQueries = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))[1]) >> 10;
await server.stop();
if (!opt('cache')) rmSync(cacheDir, { recursive: true, force: true });
if (RUNS === 0) {
  // Latency only (no index runs): print, do not touch RESULTS.md.
  console.log(JSON.stringify({ serverReadyFromCacheMs: readyMs, serverRssAfterIndexMiB: rssAfterIndex, serverRssAfterQueriesMiB: rssAfterQueries,
    hoverP50: pct(hover, 50), hoverP99: pct(hover, 99), definitionP50: pct(definition, 50), definitionP99: pct(definition, 99), answered, queries: QUERIES,
    slowestHovers: slowest(hover, hoverOf, 12) }, null, 2));
  process.exit(0);
}

/** The n slowest requests with what was asked, for finding what a p99 is made of. */
function slowest(ms, what, n) {
  return ms.map((v, i) => [v, what[i]]).sort((a, b) => b[0] - a[0]).slice(0, n).map(([v, w]) => `${v.toFixed(1)} ms ${w}`);
}

const m = (k, f) => median(rows[k].map(f));
const result = {
  tree: root, runs: RUNS, ctags: ctagsVersion,
  ctagsWall: m('ctags', (x) => x.wall), ctagsRss: m('ctags', (x) => x.rssMiB), ctagsFunctionTags: ctagsTags,
  coldWall: m('cold', (x) => x.wall), coldRss: m('cold', (x) => x.rssMiB),
  warmWall: m('warm', (x) => x.wall), warmRss: m('warm', (x) => x.rssMiB),
  serverReadyFromCacheMs: readyMs, serverState: firstReady.state, serverRssAfterIndexMiB: rssAfterIndex, serverRssAfterQueriesMiB: rssAfterQueries,
  hoverP50: pct(hover, 50), hoverP99: pct(hover, 99), definitionP50: pct(definition, 50), definitionP99: pct(definition, 99), answered, queries: QUERIES,
  loadAverages: loads,
  stats,
};
console.log(JSON.stringify(result, null, 2));

const f2 = (x) => x.toFixed(2);
const s = stats;
const section = `## index (full linux-source-6.12, ${new Date().toISOString().slice(0, 10)})

Command: \`node bench/index/run.mjs\` (${RUNS} runs, medians; page cache warm; ${process.env.KPN_BENCH_NOTE ?? '2 cores'}).
Baseline in the same run: \`ctags -R --languages=C --langmap=c:+.h --kinds-C=+p --fields=+nS\` (${ctagsVersion}).

Load average (1 min) after each run: ${loads.join(', ')}.

| | wall (median) | ratio to ctags | peak RSS |
| --- | --- | --- | --- |
| ctags | ${result.ctagsWall} s | 1.00× | ${result.ctagsRss} MiB |
| kpn cold index (no cache) | ${result.coldWall} s | ${f2(result.coldWall / result.ctagsWall)}× | ${result.coldRss} MiB |
| kpn warm start (cache present, all files stat'ed) | ${result.warmWall} s | ${f2(result.warmWall / result.ctagsWall)}× | ${result.warmRss} MiB |
| language server: cache loaded, answering | ${(readyMs / 1000).toFixed(2)} s | | ${rssAfterIndex} MiB after indexing, ${rssAfterQueries} MiB after ${QUERIES} queries |

Facts: ${s.files} files (${s.parsedFiles} parsed, ${s.defineOnlyFiles} preprocessor-only scanned, ${s.skippedFiles} skipped, ${s.filesWithErrors} with parse errors);
${s.functions} function definitions (ctags: ${ctagsTags} function tags), ${s.syscalls} syscalls, ${s.exports} exports,
${s.opsAssignments} ops assignments in ${s.opsInstances} instances of ${s.opsStructTypes} struct types with function pointers,
${s.calls} direct call sites, ${s.indirectCalls} calls through fields, ${s.tracepoints} tracepoint definitions, ${s.tracepointCalls} tracepoint call sites.

Latency over ${QUERIES} random function names (seeded), through the server over stdio, documents open:
hover p50 ${f2(result.hoverP50)} ms, p99 ${f2(result.hoverP99)} ms; definition p50 ${f2(result.definitionP50)} ms, p99 ${f2(result.definitionP99)} ms; ${answered}/${QUERIES} answered both.
`;
const outFile = opt('out', join(REPO, 'bench/RESULTS.md'));
if (outFile !== '-') {
  const prev = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '# Benchmark results\n';
  const cleaned = prev.replace(/## index \(full linux-source-6\.12[\s\S]*?(?=\n## |$)/, '').trimEnd();
  writeFileSync(outFile, `${cleaned}\n\n${section}`);
}
