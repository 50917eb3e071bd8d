// The worker→index wire form (wire.ts): every fact of real 6.1 files read back exactly as the
// extractor produced it, through one writer whose dictionary spans many batches (as a worker's does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureSubsetTree, skipWithoutTree } from '../e2e/trees.mjs';
import { indexOneFile, DEFAULT_LIMITS } from '../../server/out/index/readFile.js';
import { WireReader, WireWriter } from '../../server/out/index/wire.js';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');

/** A call-name table like the index's. */
function names() {
  const list = [];
  const ids = new Map();
  return { list, internName: (s) => { let k = ids.get(s); if (k === undefined) { k = list.length; list.push(s); ids.set(s, k); } return k; } };
}

const plain = (xs) => JSON.parse(JSON.stringify(xs));

test('facts of net/ipv4 and kernel/sched survive the wire exactly, batch after batch', async (t) => {
  const tree = await ensureSubsetTree();
  if (skipWithoutTree(tree, t)) return;
  const parser = new Parser();
  parser.setLanguage(C);
  const files = ['net/ipv4', 'kernel/sched', 'include/trace/events'].flatMap((d) =>
    readdirSync(join(tree.dir, d)).filter((f) => /\.[ch]$/.test(f)).map((f) => `${d}/${f}`));
  const facts = files.map((f) => indexOneFile(parser, tree.dir, f, DEFAULT_LIMITS));
  const writer = new WireWriter();
  const table = names();
  const reader = new WireReader(table);
  const stored = [];
  for (let i = 0; i < facts.length; i += 24) {
    for (const f of facts.slice(i, i + 24)) writer.add(f);
    stored.push(...reader.read(writer.take()));
  }
  assert.equal(stored.length, facts.length);
  let functions = 0, calls = 0, ops = 0, tracepoints = 0;
  facts.forEach((f, i) => {
    const s = stored[i];
    assert.equal(s.file, f.file);
    assert.deepEqual([s.size, s.mtimeMs, s.hasError, s.skipped, s.defineOnly], [f.size, f.mtimeMs, f.hasError, f.skipped, f.defineOnly], f.file);
    assert.equal(s.functionCount, f.functions.length);
    assert.equal(s.syscallCount, f.functions.filter((fn) => fn.syscall).length);
    s.functions.forEach((fn, j) => {
      const want = f.functions[j];
      for (const k of ['name', 'file', 'signature', 'returnType', 'exported']) assert.equal(fn[k], want[k], `${f.file} ${want.name} ${k}`);
      assert.deepEqual(fn.params, want.params);
      assert.deepEqual(fn.qualifiers, want.qualifiers);
      assert.deepEqual(fn.syscall, want.syscall);
      assert.deepEqual(fn.span, want.span);
      assert.deepEqual(fn.nameSpan, want.nameSpan);
    });
    assert.deepEqual(s.exports, f.exports.map((e) => ({ name: e.name, kind: e.kind })));
    assert.deepEqual(s.ops, f.ops);
    assert.deepEqual(plain(s.opsTypes), plain(f.opsTypes));
    assert.deepEqual(plain(s.tracepoints), plain(f.tracepoints));
    assert.deepEqual(s.instanceMacros, f.instanceMacros);
    assert.deepEqual(s.indirectCalls, f.indirectCalls);
    assert.equal(s.indirectCallCount, f.indirectCalls.length);
    assert.deepEqual(s.tracepointCalls, f.tracepointCalls);
    const back = [];
    for (let k = 0; k < s.calls.length; k += 4) back.push([table.list[s.calls[k]], table.list[s.calls[k + 1]], s.calls[k + 2], s.calls[k + 3]]);
    assert.deepEqual(back, f.calls.map((c) => [c.callee, c.caller, c.pos.line, c.pos.col]), f.file);
    functions += f.functions.length; calls += f.calls.length; ops += f.ops.length; tracepoints += f.tracepoints.length;
  });
  // The sample holds every kind of fact (else the comparison above proves little).
  assert.ok(functions > 1000 && calls > 10000 && ops > 100 && tracepoints > 100, `${functions} ${calls} ${ops} ${tracepoints}`);
  // A repeated string is sent once: the second writer pass over the same files sends no type or name again.
  for (const f of facts.slice(0, 24)) writer.add(f);
  const again = writer.take();
  const signatures = facts.slice(0, 24).reduce((n, f) => n + f.functions.length + f.indirectCalls.length + 1, 0);
  assert.ok(again.fresh.length <= signatures + 24, `${again.fresh.length} fresh strings`);
});

test('a truncated batch is refused with a reason, not read as wrong facts', () => {
  const writer = new WireWriter();
  writer.add({
    file: 'a.c', size: 10, mtimeMs: 1, hasError: false, functions: [], exports: [], ops: [], opsTypes: [],
    calls: [{ caller: 'f', callee: 'g', file: 'a.c', pos: { line: 1, col: 2 } }], indirectCalls: [], tracepoints: [], tracepointCalls: [], instanceMacros: [],
  });
  const batch = writer.take();
  assert.throws(() => new WireReader(names()).read({ ...batch, ints: batch.ints.subarray(0, batch.ints.length - 1) }), /wire batch malformed/);
  assert.throws(() => new WireReader(names()).read({ ...batch, ints: batch.ints.subarray(0, 3) }), /wire batch truncated/);
});
