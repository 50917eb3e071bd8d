// The saved index: reloads equal, re-indexes only what changed, and is discarded (with a reason,
// never a crash) when corrupt, truncated, of another format or for another tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { indexTree } from '../../server/out/index/indexTree.js';
import { cacheFileFor, loadIndex, saveIndex } from '../../server/out/index/cache.js';

async function smallTree(t) {
  const tree = await ensureSubsetTree();
  if (tree.missing) { t.skip(tree.missing); return undefined; }
  const dir = mkdtempSync(join(tmpdir(), 'kpn-inc-'));
  cpSync(join(tree.dir, 'net/ipv4'), join(dir, 'net/ipv4'), { recursive: true });
  cpSync(join(tree.dir, 'Makefile'), join(dir, 'Makefile'));
  return dir;
}

/** Every stored fact of every file as plain data (functions through their public FunctionDef fields). */
function everyFact(index) {
  const out = {};
  for (const file of index.fileList().sort()) {
    const f = index.fileFacts(file);
    out[file] = {
      size: f.size, mtimeMs: f.mtimeMs, hasError: f.hasError, skipped: f.skipped, defineOnly: f.defineOnly,
      functions: index.functionsInFile(file).map((fn) => ({
        name: fn.name, file: fn.file, span: fn.span, nameSpan: fn.nameSpan, signature: fn.signature, returnType: fn.returnType,
        params: fn.params, qualifiers: fn.qualifiers, exported: fn.exported, syscall: fn.syscall,
      })),
      exports: f.exports, ops: f.ops, opsTypes: f.opsTypes, calls: [...f.calls], indirectCalls: f.indirectCalls,
      tracepoints: f.tracepoints, tracepointCalls: f.tracepointCalls, instanceMacros: f.instanceMacros,
    };
  }
  return out;
}

test('save, reload, and re-index only touched files', async (t) => {
  const dir = await smallTree(t); if (!dir) return;
  const cacheDir = mkdtempSync(join(tmpdir(), 'kpn-cache-'));
  try {
    const first = await indexTree(dir);
    const file = cacheFileFor(cacheDir, dir);
    await saveIndex(first.index, file);
    const loaded = await loadIndex(file, dir);
    assert.ok(loaded.index, loaded.reason);
    assert.deepEqual(loaded.index.stats(), first.index.stats());
    assert.deepEqual(loaded.index.callersOf('tcp_v4_connect'), first.index.callersOf('tcp_v4_connect'));
    // The columnar cache must give back every fact, not just the same counts.
    assert.deepEqual(everyFact(loaded.index), everyFact(first.index));

    // Touch one file (a new function), delete another, add a third.
    const tcp = join(dir, 'net/ipv4/tcp_ipv4.c');
    writeFileSync(tcp, readFileSync(tcp, 'utf8') + '\nint kpn_added_fn(struct sock *sk) { return tcp_v4_connect(sk, 0, 0); }\n');
    const future = new Date(Date.now() + 5000);
    utimesSync(tcp, future, future);
    unlinkSync(join(dir, 'net/ipv4/ping.c'));
    writeFileSync(join(dir, 'net/ipv4/kpn_new.c'), 'int kpn_new_fn(void) { return 0; }\n');
    const again = await indexTree(dir, { previous: loaded.index });
    assert.equal(again.parsed, 2);
    assert.equal(again.removed, 1);
    assert.equal(again.index.resolve('kpn_added_fn').length, 1);
    assert.equal(again.index.resolve('kpn_new_fn').length, 1);
    assert.equal(again.index.resolve('ping_rcv').length, 0);
    assert.equal(again.index.callersOf('tcp_v4_connect').filter((c) => c.caller === 'kpn_added_fn').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('corrupt, truncated, foreign and missing caches are refused with a reason', async (t) => {
  const dir = await smallTree(t); if (!dir) return;
  const cacheDir = mkdtempSync(join(tmpdir(), 'kpn-cache-'));
  try {
    const { index } = await indexTree(dir);
    const file = cacheFileFor(cacheDir, dir);
    await saveIndex(index, file);
    const good = readFileSync(file);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 0xff;
    writeFileSync(file, flipped);
    assert.match((await loadIndex(file, dir)).reason, /checksum/);

    writeFileSync(file, good.subarray(0, good.length >> 1));
    assert.match((await loadIndex(file, dir)).reason, /truncated/);

    const otherFormat = Buffer.from(good);
    otherFormat.writeUInt32LE(999, 8);
    writeFileSync(file, otherFormat);
    assert.match((await loadIndex(file, dir)).reason, /format 999/);

    writeFileSync(file, 'not an index at all');
    assert.match((await loadIndex(file, dir)).reason, /not an index cache/);

    writeFileSync(file, good);
    assert.match((await loadIndex(file, '/some/other/tree')).reason, /cache is for/);
    assert.match((await loadIndex(join(cacheDir, 'absent.kpn'), dir)).reason, /no cache/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
