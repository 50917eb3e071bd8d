// Symbol lists: this machine's /proc/kallsyms cross-checked with grep/awk, and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseKallsyms, parseFilterFunctions, readSymbolFile, cloneBase } = require('../../server/out/btf/kallsyms.js');

const KALLSYMS = '/proc/kallsyms';
const CLONE_ERE = '^\\S+ [tTwW] [^. ]+(\\.(isra|constprop|part|llvm|lto_priv)\\.[0-9]+|\\.cold)+(\\s|$)';

test('cloneBase strips only whole chains of compiler clone suffixes', () => {
  assert.equal(cloneBase('tcp_v4_connect'), 'tcp_v4_connect');
  assert.equal(cloneBase('inet_csk_bind_conflict.isra.0'), 'inet_csk_bind_conflict');
  assert.equal(cloneBase('foo.constprop.0.isra.0.cold'), 'foo');
  assert.equal(cloneBase('bar.part.12'), 'bar');
  assert.equal(cloneBase('baz.cold'), 'baz');
  assert.equal(cloneBase('qux.llvm.1234567890'), 'qux');
  assert.equal(cloneBase('CSWTCH.123'), 'CSWTCH.123');
  assert.equal(cloneBase('__func__.1'), '__func__.1');
  assert.equal(cloneBase('x.isra'), 'x.isra');
  assert.equal(cloneBase('.cold'), '.cold');
});

test('/proc/kallsyms of this machine', (t) => {
  let probe;
  try { probe = fs.readFileSync(KALLSYMS, 'latin1'); } catch (e) { return t.skip(`${KALLSYMS} unreadable: ${e.message}`); }
  if (probe.length === 0) return t.skip(`${KALLSYMS} is empty`);
  const table = readSymbolFile(KALLSYMS);
  assert.equal(table.source.format, 'kallsyms');
  assert.equal(table.skipped, 0);
  const lines = execFileSync('wc', ['-l', KALLSYMS], { encoding: 'utf8' });
  // The file changes as modules load; allow a few symbols of drift between the two reads.
  assert.ok(Math.abs(table.symbols.length - parseInt(lines, 10)) < 50, `${table.symbols.length} vs wc ${lines}`);
  const text = Number(execFileSync('awk', ['$2 ~ /^[tTwW]$/ {n++} END {print n}', KALLSYMS], { encoding: 'utf8' }));
  assert.ok(Math.abs(table.textCount - text) < 50, `text symbols ${table.textCount} vs awk ${text}`);

  const grepped = execFileSync('grep', ['-E', CLONE_ERE, KALLSYMS], { encoding: 'latin1', maxBuffer: 1 << 28 })
    .split('\n').filter(Boolean).map((l) => l.split(/\s+/)[2]);
  const mine = table.symbols.filter((s) => s.base !== s.name && /^[tTwW]$/.test(s.type)).map((s) => s.name);
  t.diagnostic(`${table.textCount} text symbols, ${mine.length} clones (grep: ${grepped.length})`);
  assert.ok(grepped.length > 100, 'expected GCC clones on this kernel');
  assert.ok(Math.abs(mine.length - grepped.length) < 50);
  const mineSet = new Set(mine);
  for (const name of grepped.slice(0, 2000)) {
    assert.ok(mineSet.has(name), `${name} not recognised as a clone`);
    const base = name.slice(0, name.indexOf('.'));
    assert.ok(table.clones(base).includes(name), `${name} not listed under ${base}`);
  }

  const collisions = table.collisions();
  // Collisions are counted per source name; duplicated clone names (`x.isra.0` twice) belong to their base.
  const awkDup = Number(execFileSync('awk', ['$2 ~ /^[tTwW]$/ && $3 !~ /\\.(isra|constprop|part|llvm|lto_priv)\\.[0-9]|\\.cold/ {c[$3]++} END {n=0; for (k in c) if (c[k]>1) n++; print n}', KALLSYMS], { encoding: 'utf8' }));
  t.diagnostic(`${collisions.size} names with several text symbols (awk: ${awkDup})`);
  assert.ok(Math.abs(collisions.size - awkDup) < 5);
  const [name, count] = collisions.entries().next().value;
  assert.equal(table.exactCount(name), count);
  assert.ok(count > 1);
});

test('System.map with garbage lines: counted, first bad line named', () => {
  const text = [
    'ffffffff81000000 T _text',
    'ffffffff81001000 t tcp_helper.isra.0',
    'this is not a symbol line',
    '',
    'ffffffff81002000 t dup',
    'ffffffff81003000 t dup',
    'ffffffff81004000 T tcp_helper',
    'zzzz T badaddr',
    'ffffffff81005000 TT twoletters',
    'ffffffffc0001000 t mod_fn\t[nf_tables]',
    'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package',
    'ffffffff81006000 D some_data',
  ].join('\n');
  const table = parseKallsyms(text, 'System.map-test');
  assert.equal(table.skipped, 4);
  assert.equal(table.firstBadLine, 3);
  assert.equal(table.symbols.length, 7);
  assert.equal(table.textCount, 6);
  assert.deepEqual(table.clones('tcp_helper'), ['tcp_helper.isra.0']);
  assert.ok(table.hasExact('tcp_helper'));
  assert.deepEqual([...table.collisions()], [['dup', 2]]);
  assert.deepEqual(table.modules('mod_fn'), ['nf_tables']);
  assert.equal(table.has('some_data'), false, 'data symbols are not probe targets');
});

test('available_filter_functions format', (t) => {
  const table = parseFilterFunctions('tcp_v4_connect\nfoo.isra.0\nfoo.isra.0\nnft_do_chain [nf_tables]\nbad [x] y\n\n', 'available_filter_functions');
  assert.equal(table.skipped, 1);
  assert.equal(table.firstBadLine, 5);
  assert.ok(table.hasExact('tcp_v4_connect'));
  assert.equal(table.hasExact('foo'), false);
  assert.deepEqual(table.clones('foo'), ['foo.isra.0']);
  assert.deepEqual(table.modules('nft_do_chain'), ['nf_tables']);
  const real = '/sys/kernel/tracing/available_filter_functions';
  try {
    const live = readSymbolFile(real);
    assert.equal(live.source.format, 'filter-functions');
    assert.equal(live.skipped, 0);
  } catch (e) {
    t.diagnostic(`live ${real} not checked: ${e.message}`);
  }
});
