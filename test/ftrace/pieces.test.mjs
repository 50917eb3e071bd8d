// The parallel import (worker threads, one partial model per piece, absorbed in file order)
// must give exactly the model the one-thread import gives, wherever the pieces are cut: inside
// deep call stacks of several interleaved tasks, between a kernel_stack record and its frames,
// between sys_enter and sys_exit events, and on mutated lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load, prng, repo, tracesDir } from './fixtures.mjs';

const { importTrace } = load('ftrace/importTrace.js');
const { modelToJson } = load('ftrace/modelJson.js');

const samples = ['tcr-funcgraph-01.txt', 'tcr-funcgraph-02.txt', 'tcr-function-01.txt', 'tcr-function-02.txt', 'events-01.txt', 'events-02.txt'];
const have = samples.every((f) => fs.existsSync(path.join(tracesDir, f)));
const recordLines = (f) => fs.readFileSync(path.join(tracesDir, f), 'latin1').split('\n').filter((l) => / \[\d+\] /.test(l));

/** The ruby task of tcr-funcgraph-01 as three tasks on three CPUs, their lines interleaved, so stacks stay open across cuts. */
function interleaved() {
  const base = recordLines('tcr-funcgraph-01.txt');
  const copies = [['ruby-2564  [001]', 'ruby-2564  [001]'], ['ruby-2564  [001]', 'ruby-3001  [002]'], ['ruby-2564  [001]', 'sshd-77    [003]']]
    .map(([from, to], k) => base.slice(k * 3).map((l) => l.replace(from, to)));
  const out = [];
  for (let i = 0; i < base.length; i++) for (const c of copies) if (i < c.length) out.push(c[i]);
  return out;
}

const handMade = [
  '  <...>-7     [001] d..1 10.000001: sys_enter_read:       fd: 3',
  '  <...>-7     [001] d..1 10.000002: funcgraph_entry:                   |  __x64_sys_read() {',
  '  <...>-7     [001] d..1 10.000003: funcgraph_entry:      ! 1.5 us     |    vfs_read.isra.0() {',
  '  <...>-7     [001] d..1 10.000004: kernel_stack:         <stack trace>',
  '=> schedule (ffffffff81000000)',
  '=> do_nanosleep (ffffffff81000010)',
  '=> hrtimer_nanosleep (ffffffff81000020)',
  '  <...>-7     [001] d..1 10.000005: funcgraph_entry:   $ 2 s  |      rw_verify_area+0x14/0x6c();',
  '  <...>-7     [001] d..1 10.000006: funcgraph_exit:         3 ms      |    } /* vfs_read */',
  '  <...>-7     [001] d..1 10.000007: funcgraph_exit:         7.5 ns    |  }',
  '  <...>-7     [001] d..1 10.000008: sys_exit_read:        0x10',
  '  <...>-7     [001] d..1 10.000009: funcgraph_exit:         1.0 us    |} /* ksys_read */',
  '  <...>-7     [001] d..1 10.000010: funcgraph_entry:                   |    deep_without_entry() {',
  '  <...>-7     [001] d..1 10.000011: function:             up_read <-- do_page_fault',
  '  curl-9      [000] 10.000012: sys_exit_connect:     0x0',
  '  curl-9      [000] 10.000013: funcgraph_exit:         2.25 us   |  } /* tcp_v4_connect */',
];

function testText(seed) {
  const r = prng(seed);
  const lines = ['version = 6', 'cpus=4'];
  for (let k = 0; k < 4; k++) {
    lines.push(...interleaved(), ...handMade);
    for (const f of samples.slice(1)) lines.push(...recordLines(f));
  }
  // Mutations as in the fuzz test: truncation, a junk byte, a duplicated line.
  const junk = ' \t|{}();/*=>[]-:.+0123456789abcx\r';
  for (let m = 0; m < 40; m++) {
    const i = 2 + Math.floor(r() * (lines.length - 2));
    const at = Math.floor(r() * (lines[i].length + 1));
    const pick = r();
    if (pick < 0.3) lines[i] = lines[i].slice(0, at);
    else if (pick < 0.7) lines[i] = lines[i].slice(0, at) + junk[Math.floor(r() * junk.length)] + lines[i].slice(at + 1);
    else lines.splice(i, 0, lines[2 + Math.floor(r() * (lines.length - 2))]);
  }
  return lines.join('\n') + '\n';
}

test('parallel import equals the one-thread import wherever the pieces are cut', { timeout: 120_000 }, async (t) => {
  if (!have) { console.log(`# skipped: report samples not in ${tracesDir}`); t.skip('report samples absent'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-pieces-'));
  try {
    const r = prng(5);
    let compared = 0;
    for (const seed of [1, 2, 3]) {
      const file = path.join(dir, `r${seed}.txt`);
      fs.writeFileSync(file, testText(seed), 'latin1');
      const size = fs.statSync(file).size;
      const one = modelToJson(await importTrace(file, { workers: 1 }));
      assert.ok(one.records > 500 && one.content.functionGraph && one.content.events && one.content.functionTracer);
      assert.ok(one.stackEdges.length > 0 && Object.keys(one.syscalls).length > 0);
      for (const pieceSize of [61, 997, 1 + Math.floor(r() * 4000), Math.floor(size / 3)]) {
        let progress = 0;
        const got = modelToJson(await importTrace(file, { workers: 2, pieceSize, onProgress: (n, total) => { assert.ok(n > progress && total === size); progress = n; } }));
        assert.equal(progress, size);
        assert.deepEqual(got, one, `seed ${seed}, pieces of ${pieceSize} bytes`);
        compared++;
      }
    }
    assert.equal(compared, 12);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('parallel import can be cancelled and reports a bad file like the one-thread import', async (t) => {
  if (!have) { console.log(`# skipped: report samples not in ${tracesDir}`); t.skip('report samples absent'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-pieces-'));
  try {
    const file = path.join(dir, 'r.txt');
    fs.writeFileSync(file, testText(9), 'latin1');
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(importTrace(file, { workers: 2, pieceSize: 500, signal: ac.signal }), { name: 'AbortError' });
    const ac2 = new AbortController();
    await assert.rejects(importTrace(file, { workers: 2, pieceSize: 500, signal: ac2.signal, onProgress: () => ac2.abort() }), { name: 'AbortError' });
    // Lines no parser reads after a report header: the same error, naming the same line.
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, 'version = 6\ncpus=2\n' + 'x-1 [000] not a timestamp: y\n'.repeat(300), 'latin1');
    const errOf = (p) => p.then(() => 'no error', (e) => e.message);
    const want = await errOf(importTrace(bad, { workers: 1 }));
    assert.match(want, /^line 3: no trace record could be read/);
    assert.equal(await errOf(importTrace(bad, { workers: 2, pieceSize: 300 })), want);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('kept workers read the file of each import anew and never keep the process alive', { timeout: 120_000 }, async (t) => {
  if (!have) { console.log(`# skipped: report samples not in ${tracesDir}`); t.skip('report samples absent'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-pool-'));
  try {
    const file = path.join(dir, 'r.txt');
    fs.writeFileSync(file, testText(11), 'latin1');
    const first = modelToJson(await importTrace(file, { workers: 2, pieceSize: 997 }));
    assert.deepEqual(first, modelToJson(await importTrace(file, { workers: 1 })));
    // A new file under the same path (a new inode: a descriptor kept from the first import would still read the old one).
    fs.writeFileSync(file + '.new', testText(12), 'latin1');
    fs.renameSync(file + '.new', file);
    const second = modelToJson(await importTrace(file, { workers: 2, pieceSize: 997 }));
    assert.notDeepEqual(second, first);
    assert.deepEqual(second, modelToJson(await importTrace(file, { workers: 1 })));
    // Idle workers wait a minute for the next import, but must not hold a process that is done.
    const script = `require(${JSON.stringify(path.join(repo, 'server', 'out', 'ftrace', 'importTrace.js'))}).importTrace(${JSON.stringify(file)}, { workers: 2, pieceSize: 997 }).then((m) => console.log(m.records))`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Number(r.stdout.trim()), second.records);
    assert.ok(Date.now() - t0 < 20_000, `the process took ${Date.now() - t0} ms to exit`);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('a thread parses piece after piece with one parser and no state carried over', (t) => {
  if (!have) { console.log(`# skipped: report samples not in ${tracesDir}`); t.skip('report samples absent'); return; }
  const { parseReportPiece } = load('ftrace/text/reportPiece.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-restart-'));
  try {
    // A: function-tracer hits and events of other tasks; B: open stacks, syscalls, stack frames, mutations.
    const a = Buffer.from([...recordLines('tcr-function-01.txt'), ...recordLines('events-01.txt')].join('\n') + '\n', 'latin1');
    const b = Buffer.from(testText(21).split('\n').slice(2).join('\n'), 'latin1');
    const file = path.join(dir, 'ab.txt');
    fs.writeFileSync(file, Buffer.concat([a, b]));
    const fd = fs.openSync(file, 'r');
    try {
      const parse = (which) => (which === 'a' ? parseReportPiece(fd, 0, a.length) : parseReportPiece(fd, a.length, a.length + b.length));
      const bFirst = structuredClone(parse('b'));
      const aResult = parse('a');
      const aCopy = structuredClone(aResult);
      const bAgain = parse('b');
      assert.ok(bFirst.result.held.kind.length > 0 && bFirst.result.stacks.length > 0 && bFirst.result.model.syscalls.size > 0);
      assert.deepEqual(structuredClone(bAgain), bFirst, 'B after A parses as B did first');
      assert.deepEqual(aResult, aCopy, 'parsing B left the result of A untouched');
      assert.ok(aCopy.result.model.content.functionTracer && !aCopy.result.model.content.functionGraph);
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
