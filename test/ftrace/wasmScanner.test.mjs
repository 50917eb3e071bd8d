// The WebAssembly record scanner (server/src/ftrace/text/wasm): the embedded module is the one
// graphScan.c builds to, it is the one in use, and the JS-only byte path (KPN_FTRACE_WASM=0)
// still passes the byte-path and parallel-import tests on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasCommand, load, repo } from './fixtures.mjs';

const wasmDir = path.join(repo, 'server', 'src', 'ftrace', 'text', 'wasm');

test('graphScanWasm.ts is a fresh clang build of graphScan.c', (t) => {
  if (!hasCommand('clang')) { console.log('# skipped: clang not installed'); t.skip('clang not installed'); return; }
  const probe = spawnSync('clang', ['--target=wasm32', '-c', '-x', 'c', '-', '-o', '/dev/null'], { input: 'int x(void){return 1;}\n' });
  if (probe.status !== 0) { console.log('# skipped: clang cannot target wasm32'); t.skip('clang cannot target wasm32'); return; }
  const r = spawnSync(process.execPath, [path.join(wasmDir, 'build.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the scanner loads and reads graph, function and event records', () => {
  const { graphScanner, REC } = load('ftrace/text/graphScanner.js');
  const sc = graphScanner();
  assert.ok(sc !== null, 'WebAssembly scanner did not load');
  const text = [
    '  bash-17   [002] 100.000001: funcgraph_entry:        0.512 us   |    kfree();',
    '  bash-17   [002] 100.000002: funcgraph_exit:       + 11.065 us  |  } /* vfs_read */',
    '  bash-17   [002] 100.000003: function:             up_read <-- do_page_fault',
    '  bash-17   [002] 100.000004: sched_switch:         prev_comm=bash',
    '=> schedule (ffffffff81000000)',
    '',
  ].join('\n');
  const buf = Buffer.from(text, 'latin1');
  sc.load(buf, 0, buf.length);
  assert.equal(sc.scan(0, buf.length - 1), 5);
  const rec = (i) => Array.from(sc.ints.subarray(i * REC, (i + 1) * REC));
  const str = (a, b) => buf.toString('latin1', a, b);
  const [leaf, exit, fn, ev, frame] = [0, 1, 2, 3, 4].map(rec);
  assert.deepEqual([leaf[0], leaf[2], leaf[3], str(leaf[4], leaf[5]), leaf[6], str(leaf[7], leaf[8])], [2, 17, 2, 'bash', 1, 'kfree']);
  assert.equal(sc.durs[0], 512);
  assert.deepEqual([exit[0], exit[6], str(exit[9], exit[10])], [3, 0, 'vfs_read']);
  assert.equal(sc.durs[1], 11065);
  assert.deepEqual([fn[0], str(fn[7], fn[8]), str(fn[9], fn[10])], [4, 'up_read', 'do_page_fault']);
  assert.deepEqual([ev[0], str(ev[7], ev[8])], [5, 'sched_switch']);
  assert.equal(sc.durs[3], 100000004000);
  assert.equal(frame[0], 0, 'a stack frame line is left to ReportBytes');
});

test('the JS-only byte path (KPN_FTRACE_WASM=0) passes the byte-path and parallel tests', { timeout: 300_000 }, () => {
  const files = ['bytePath.test.mjs', 'pieces.test.mjs'].map((f) => path.join(repo, 'test', 'ftrace', f));
  // Without NODE_TEST_CONTEXT the child reports as a test run of its own, not to this one.
  const { NODE_TEST_CONTEXT, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], { encoding: 'utf8', env: { ...env, KPN_FTRACE_WASM: '0' } });
  assert.equal(r.status, 0, r.stdout.slice(-3000));
  assert.match(r.stdout, /# pass [1-9]/);
  assert.match(r.stdout, /# fail 0/);
});

test('a block longer than the scanner segment is cut at line ends to the same model', async (t) => {
  const { tracesDir } = await import('./fixtures.mjs');
  const f = path.join(tracesDir, 'tcr-funcgraph-01.txt');
  if (!fs.existsSync(f)) { console.log(`# skipped: ${f} not present`); t.skip('fixture absent'); return; }
  const { importTrace, importTraceBytes } = load('ftrace/importTrace.js');
  const { modelToJson } = load('ftrace/modelJson.js');
  const { SEGMENT } = load('ftrace/text/graphScanner.js');
  const body = fs.readFileSync(f, 'latin1').split('\n').filter((l) => / \[\d+\] /.test(l)).join('\n') + '\n';
  const text = 'version = 6\n' + body.repeat(Math.ceil((2.5 * SEGMENT) / body.length));
  const file = path.join(fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'kpn-seg-')), 'r.txt');
  try {
    fs.writeFileSync(file, text, 'latin1');
    // One block of 2.5 segments here; 64 KiB chunks (blocks far below a segment) there.
    const whole = modelToJson(importTraceBytes(Buffer.from(text, 'latin1')));
    assert.ok(whole.records > 50_000, `${whole.records} records`);
    assert.deepEqual(modelToJson(await importTrace(file, { workers: 1, chunkSize: 64 << 10 })), whole);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true });
  }
});

test('names past the scanner name table (65536 ids, 1 MiB) are still counted exactly', () => {
  const { importTraceBytes } = load('ftrace/importTrace.js');
  const n = 70_000;
  const lines = ['version = 6'];
  // Long distinct names fill the byte pool too; each is called once, under one parent.
  for (let i = 0; i < n; i++) lines.push(`  bash-17   [002] 100.000001: function:             f${i}_${'x'.repeat(10)} <-- parent_${i % 3}`);
  const m = importTraceBytes(Buffer.from(lines.join('\n') + '\n', 'latin1'));
  assert.equal(m.functions.size, n);
  for (let i = 0; i < n; i += 997) assert.equal(m.functions.get(`f${i}_${'x'.repeat(10)}`)?.calls, 1, `f${i}`);
  assert.equal([...m.functions.values()].reduce((a, f) => a + f.calls, 0), n);
  assert.deepEqual([...m.edges.keys()].sort(), ['parent_0', 'parent_1', 'parent_2']);
  assert.equal(m.edges.get('parent_1').size, Math.floor(n / 3));
});
