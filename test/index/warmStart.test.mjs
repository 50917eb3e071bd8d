// A warm start answers from the lookup tables saved in the cache (name → definitions, call names,
// ops by function and by instance) and builds functions per file on first use. These tests hold
// it to the cold index's answers on the 6.1 subset, refuse damaged tables even when the checksum
// was recomputed over them, and go through the real server: a corrupt cache is discarded with a
// log line, and the next start is warm and answers the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { subsetIndex } from '../support/subsetIndex.mjs';
import { startServer } from '../support/lspClient.mjs';
import { cacheFileFor, loadIndex, saveIndex } from '../../server/out/index/cache.js';
import { factsFromText } from '../../server/out/index/singleFile.js';

const scratch = mkdtempSync(join(tmpdir(), 'kpn-warm-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

/** The subset indexed cold, saved, and loaded back: { cold, warm, file, dir } or { missing }. */
let pair;
function coldAndWarm() {
  pair ??= (async () => {
    const s = await subsetIndex();
    if (s.missing) return s;
    const file = cacheFileFor(join(scratch, 'cache'), s.dir);
    await saveIndex(s.index, file);
    const loaded = await loadIndex(file, s.dir);
    assert.ok(loaded.index, loaded.reason);
    return { cold: s.index, warm: loaded.index, file, dir: s.dir };
  })();
  return pair;
}

const defView = (d) => ({ name: d.name, file: d.file, span: d.span, nameSpan: d.nameSpan, signature: d.signature, params: d.params, qualifiers: d.qualifiers, exported: d.exported, syscall: d.syscall });
const opsView = (o) => ({ ...o });

test('a warm index gives the cold index\'s answers for every name', async (t) => {
  const p = await coldAndWarm();
  if (p.missing) { console.log(`# skipped: ${p.missing}`); t.skip(p.missing); return; }
  const { cold, warm } = p;
  assert.deepEqual(warm.stats(), cold.stats());
  const names = [...cold.functionNames()];
  assert.ok(names.length > 20000, `only ${names.length} names in the subset`);
  assert.deepEqual(new Set(warm.functionNames()), new Set(names));
  // a name no definition has, and one that is a call name only
  for (const n of [...names, 'kpn_no_such_function', 'kmalloc', '__x64_sys_connect', 'tcp_v4_connect.isra.0', 'tcp_v4_connect+0x14/0x6c']) {
    assert.deepEqual(warm.resolve(n).map(defView), cold.resolve(n).map(defView), n);
    assert.deepEqual(warm.opsOf(n).map(opsView), cold.opsOf(n).map(opsView), n);
    assert.equal(warm.callCount(n), cold.callCount(n), n);
  }
  const instances = [...cold.opsInstanceNames()];
  assert.deepEqual([...warm.opsInstanceNames()], instances);
  for (const i of instances) assert.deepEqual(warm.opsInstance(i).map(opsView), cold.opsInstance(i).map(opsView), i);
  // hand-checked facts, answered from the saved tables
  assert.ok(warm.opsOf('tcp_v4_connect').some((o) => o.instance === 'tcp_prot' && o.field === 'connect'));
  assert.ok(warm.opsInstance('fair_sched_class').some((o) => o.field === 'enqueue_task' && o.fn === 'enqueue_task_fair'));
  assert.equal(warm.resolve('__x64_sys_connect')[0]?.file, 'net/socket.c');
  for (const [field, struct] of [['connect', 'proto'], ['connect', undefined], ['ndo_start_xmit', undefined], ['enqueue_task', 'sched_class']]) {
    assert.deepEqual(warm.implementationsOf(field, struct).map(opsView), cold.implementationsOf(field, struct).map(opsView), field);
  }
  for (const struct of ['proto', 'proto_ops', 'file_operations']) assert.deepEqual(warm.opsOfStruct(struct).map(opsView), cold.opsOfStruct(struct).map(opsView), struct);
  for (const n of ['tcp_v4_connect', 'kfree_skb', 'sock_sendmsg', 'inet_sendmsg']) {
    assert.deepEqual(warm.callersOf(n), cold.callersOf(n), n);
    const [fn] = cold.resolve(n);
    if (fn) {
      const [wfn] = warm.resolve(n);
      assert.deepEqual(warm.calleesOf(wfn), cold.calleesOf(fn), n);
      assert.deepEqual(warm.indirectCallsIn(wfn), cold.indirectCallsIn(fn), n);
      assert.deepEqual(warm.tracepointCallsIn(wfn), cold.tracepointCallsIn(fn), n);
      assert.deepEqual(warm.callersInFile(n, fn.file), cold.callersInFile(n, fn.file), n);
    }
  }
  for (const tp of ['tcp_retransmit_skb', 'sched_switch', 'kfree_skb']) {
    assert.deepEqual(warm.tracepoint(tp), cold.tracepoint(tp), tp);
    assert.deepEqual(warm.tracepointCallers(tp), cold.tracepointCallers(tp), tp);
  }
  // the same function object from every route (features key maps by it)
  const [viaName] = warm.resolve('tcp_v4_connect');
  assert.ok(warm.functionsInFile(viaName.file).includes(viaName));
});

test('after the same edits a warm index answers like the cold one, in the same order', async (t) => {
  const p = await coldAndWarm();
  if (p.missing) { console.log(`# skipped: ${p.missing}`); t.skip(p.missing); return; }
  // runs after the test above: the shared cold index is edited here
  const { cold } = p;
  const { index: warm } = await loadIndex(p.file, p.dir);
  // names defined in several files, so the order of their definitions is tested
  const multi = [...cold.functionNames()].filter((n) => new Set(cold.resolve(n).map((d) => d.file)).size >= 3).slice(0, 50);
  assert.ok(multi.length > 10, `only ${multi.length} names with definitions in three files`);
  const replaced = cold.resolve(multi[0])[0].file;
  const removed = cold.resolve(multi[1])[1].file;
  const facts = await factsFromText(replaced, readFileSync(join(p.dir, replaced), 'utf8'));
  const added = {
    file: 'net/ipv4/kpn_warm.c', size: 1, mtimeMs: 1, hasError: false,
    functions: [{ name: multi[2], file: 'net/ipv4/kpn_warm.c', span: { start: { line: 0, col: 0 }, end: { line: 0, col: 30 } }, nameSpan: { start: { line: 0, col: 4 }, end: { line: 0, col: 15 } }, signature: `int ${multi[2]}(void)`, returnType: 'int', params: [], qualifiers: [] },
      { name: 'kpn_warm_fn', file: 'net/ipv4/kpn_warm.c', span: { start: { line: 1, col: 0 }, end: { line: 1, col: 30 } }, nameSpan: { start: { line: 1, col: 4 }, end: { line: 1, col: 15 } }, signature: 'int kpn_warm_fn(void)', returnType: 'int', params: [], qualifiers: [] }],
    exports: [], ops: [{ instance: 'kpn_warm_ops', struct: 'proto', field: 'connect', fn: 'kpn_warm_fn', file: 'net/ipv4/kpn_warm.c', pos: { line: 2, col: 0 }, instancePos: { line: 2, col: 0 } }],
    opsTypes: [], calls: [{ caller: 'kpn_warm_fn', callee: 'tcp_v4_connect', file: 'net/ipv4/kpn_warm.c', pos: { line: 1, col: 20 } }],
    indirectCalls: [], tracepoints: [], tracepointCalls: [], instanceMacros: [],
  };
  const before = warm.generation;
  for (const index of [cold, warm]) {
    index.setFile(facts); // same path: keeps its place among the files
    index.setFile(added); // new: comes last
    assert.ok(index.removeFile(removed));
  }
  assert.notEqual(warm.generation, before);
  assert.deepEqual(warm.stats(), cold.stats());
  const where = (d) => `${d.file}:${d.span.start.line} ${d.signature}`;
  for (const n of [...cold.functionNames(), 'kpn_warm_fn', 'kpn_no_such_function']) {
    assert.deepEqual(warm.resolve(n).map(where), cold.resolve(n).map(where), n);
    assert.deepEqual(warm.opsOf(n).map(opsView), cold.opsOf(n).map(opsView), n);
  }
  assert.deepEqual([...warm.functionNames()], [...cold.functionNames()]);
  for (const i of cold.opsInstanceNames()) assert.deepEqual(warm.opsInstance(i).map(opsView), cold.opsInstance(i).map(opsView), i);
  assert.equal(warm.resolve('kpn_warm_fn').length, 1);
  assert.deepEqual(warm.opsOf('kpn_warm_fn').map((o) => `${o.instance}.${o.field}`), ['kpn_warm_ops.connect']);
  assert.ok(warm.callersOf('tcp_v4_connect').some((c) => c.caller === 'kpn_warm_fn'));
  assert.equal(warm.resolve(multi[2]).at(-1).file, 'net/ipv4/kpn_warm.c', 'a new file\'s definition comes last');
  assert.ok(!warm.resolve(multi[1]).some((d) => d.file === removed));
  assert.ok(warm.removeFile('net/ipv4/tcp_ipv4.c'));
  assert.equal(warm.resolve('tcp_v4_connect').length, 0);
  assert.equal(warm.opsInstance('tcp_prot').length, 0);
});

/** The payload's sections as [offset, length] in the file. */
function sections(buf) {
  const out = [];
  let at = 28 + buf.readUInt32LE(24);
  while (at < buf.length) {
    const len = buf.readUInt32LE(at);
    out.push([at + 8, len]);
    at += 8 + len + ((8 - (len % 8)) % 8);
  }
  return out;
}

/** A copy with one int32 changed and the checksum recomputed, so only the decoder's own checks can catch it. */
function damaged(good, section, index, value) {
  const buf = Buffer.from(good);
  const [off, len] = sections(buf)[section];
  assert.ok(index * 4 < len, `section ${section} has no int ${index}`);
  buf.writeInt32LE(value, off + index * 4);
  buf.writeUInt32LE(crc32(buf.subarray(28 + buf.readUInt32LE(24))), 20);
  return buf;
}

test('damaged lookup tables are refused with a reason even under a valid checksum', async (t) => {
  const p = await coldAndWarm();
  if (p.missing) { console.log(`# skipped: ${p.missing}`); t.skip(p.missing); return; }
  const good = readFileSync(p.file);
  assert.equal(sections(good).length, 23);
  const file = join(scratch, 'damaged.kpn');
  const refused = async (buf) => {
    writeFileSync(file, buf);
    const r = await loadIndex(file, p.dir);
    assert.equal(r.index, undefined);
    return r.reason;
  };
  const nameSlots = sections(good)[9][1] / 4;
  // a name hash slot naming a key past the table; then one with no empty slot left to end a probe
  assert.match(await refused(damaged(good, 9, nameSlots - 1, 0x7fffffff)), /cache unreadable: name hash table malformed/);
  assert.match(await refused(damaged(good, 12, 0, 1 << 30)), /cache unreadable: .*definition points past its file/);
  assert.match(await refused(damaged(good, 14, 0, 1 << 30)), /cache unreadable: ops entry points past its file/);
  assert.match(await refused(damaged(good, 7, 0, -5)), /cache unreadable: call name out of range/);
  assert.match(await refused(damaged(good, 0, 1, 1 << 30)), /cache unreadable: string table/);
  // a section length that sends the reader past the end
  const buf = Buffer.from(good);
  buf.writeUInt32LE(0x7ffffff0, sections(good)[3][0] - 8);
  assert.match(await refused(buf), /corrupt/);
  // the previous format is discarded, not misread
  const old = Buffer.from(good);
  old.writeUInt32LE(6, 8);
  assert.match(await refused(old), /cache format 6, this version reads 7/);
});

test('server: a corrupt cache is discarded with a log line; the next start is warm and answers the same', async (t) => {
  const tree = await ensureSubsetTree();
  if (tree.missing) { console.log(`# skipped: ${tree.missing}`); t.skip(tree.missing); return; }
  const dir = join(scratch, 'tree');
  cpSync(join(tree.dir, 'net/ipv4'), join(dir, 'net/ipv4'), { recursive: true });
  cpSync(join(tree.dir, 'Makefile'), join(dir, 'Makefile'));
  const cacheDir = join(scratch, 'server-cache');
  const file = cacheFileFor(cacheDir, dir);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, Buffer.concat([Buffer.from('KPNIDX\n\0'), Buffer.alloc(64, 0xab)]));
  const rel = 'net/ipv4/tcp_ipv4.c';
  const text = readFileSync(join(dir, rel), 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.startsWith('int tcp_v4_connect('));
  const ask = async (server) => {
    await server.open(rel, text);
    const textDocument = { uri: server.uri(rel) };
    const position = { line, character: 6 };
    const hover = await server.conn.sendRequest('textDocument/hover', { textDocument, position });
    const definition = await server.conn.sendRequest('textDocument/definition', { textDocument, position });
    return { hover, definition };
  };

  const first = await startServer(dir, { cacheDir });
  let cold;
  try {
    const s = await first.ready;
    assert.equal(s.state, 'ready');
    assert.ok(first.logs.some((l) => /^cache: (cache format|cache file truncated|cache checksum|cache unreadable).*; indexing from scratch$/.test(l)), first.logs.join('\n'));
    cold = await ask(first);
    assert.match(cold.hover.contents.value, /tcp_prot/);
    // the server writes its cache once indexing is done
    for (let i = 0; i < 100 && !first.logs.some((l) => l.startsWith('cache: saved')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(first.logs.some((l) => l.startsWith('cache: saved')), first.logs.join('\n'));
  } finally {
    await first.stop();
  }

  const second = await startServer(dir, { cacheDir });
  try {
    const s = await second.ready;
    assert.equal(s.state, 'ready');
    assert.ok(second.logs.some((l) => /^cache: loaded \d+ files, \d+ functions in \d+ ms/.test(l)), second.logs.join('\n'));
    assert.deepEqual(await ask(second), cold);
  } finally {
    await second.stop();
  }
});
