// The compiled-object cache with the real clang and the real helper: an unchanged source is not
// compiled again, an edit is, a broken edit reports clang's message, and a cached object that was
// tampered with (mode, owner, content, symlink) is rebuilt instead of being handed to the helper.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHelper, connectOnce, helperDir, out, startHelper } from '../bpf-helper/setup.mjs';

const { ObjectCache } = await import(out('attach/objectCache.js'));
const { generateProbe, decodeGenerated } = await import(out('attach/generate.js'));

const SIG = {
  name: 'sock:inet_sock_set_state', returnType: 'void',
  params: [{ type: 'const struct sock *', name: 'sk' }, { type: 'const int', name: 'oldstate' }, { type: 'const int', name: 'newstate' }],
};
const source = generateProbe(SIG).source;
// an edit as a user makes one: one more value in the event (a marker the object must then contain)
const MARK = Buffer.from([0x34, 0x12, 0xed, 0x5e]); // 0x5eed1234 as the instruction's little-endian imm32
const edited = source.replace('\te->nvals = ', '\te->vals[15] = 0x5eed1234;\n\te->nvals = ');

let skip;
let scratch;
let clang;
let clangLog;

before(() => {
  skip = buildHelper();
  try { execFileSync('clang', ['--version'], { stdio: 'ignore' }); } catch { skip ??= 'no clang on PATH'; }
  scratch = mkdtempSync(join(tmpdir(), 'kpn-objcache-'));
  // the real clang behind a wrapper that counts compiles: "clang did not run" is then observable
  clangLog = join(scratch, 'clang.log');
  clang = join(scratch, 'clang');
  writeFileSync(clang, `#!/bin/sh\ncase " $* " in *" -c "*) echo compile >> '${clangLog}';; esac\nexec clang "$@"\n`, { mode: 0o755 });
});

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

function skipIf(t) {
  if (!skip) return false;
  console.log(`# skipped: ${skip}`);
  t.skip(skip);
  return true;
}

const compiles = () => (existsSync(clangLog) ? readFileSync(clangLog, 'utf8').split('\n').filter(Boolean).length : 0);
const freshCache = (limits) => new ObjectCache(mkdtempSync(join(scratch, 'cache-')) + '/objects', limits);
const opts = () => ({ helperDir, clang });

test('an unchanged source is compiled once; the cached object loads and decodes live', async (t) => {
  if (skipIf(t)) return;
  const cache = freshCache();
  const n0 = compiles();
  const a = await cache.objectFor(source, opts());
  assert.equal(a.compiled, true);
  assert.equal(compiles(), n0 + 1);
  const st = statSync(a.object);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(statSync(cache.dir).mode & 0o777, 0o700);
  const b = await cache.objectFor(source, opts());
  assert.equal(b.compiled, false);
  assert.equal(b.object, a.object);
  assert.equal(b.key, a.key);
  assert.equal(statSync(b.object).ino, st.ino, 'the same file, not a rewrite');
  assert.equal(compiles(), n0 + 1, 'clang ran again for an unchanged source');
  // a second cache over the same directory (a restarted server) finds it too
  const c = await new ObjectCache(cache.dir).objectFor(source, opts());
  assert.equal(c.compiled, false);
  assert.equal(compiles(), n0 + 1);

  // the helper's trust rule accepts it, and it runs
  const h = await startHelper();
  try {
    const r = await h.attach({ target: SIG.name, object: b.object, pid: process.pid });
    assert.equal(r.attach, 'tp_btf');
    for (const k of ['prepare', 'open', 'load', 'attach']) assert.ok(Number.isInteger(r.timing_us[k]), `timing_us.${k}`);
    const gen = generateProbe(SIG);
    const got = new Promise((resolve) => h.on('event', (ev) => { if (ev.kind === 'generated' && decodeGenerated(gen, ev).newstate === 2) resolve(ev); }));
    const port = await connectOnce();
    const v = decodeGenerated(gen, await got);
    assert.equal(v.sk.dport, port);
  } finally {
    await h.close();
  }
});

test('a background compile is awaited, not repeated; an edited source is compiled again', async (t) => {
  if (skipIf(t)) return;
  const cache = freshCache();
  const n0 = compiles();
  cache.prefetch(source, opts());
  const a = await cache.objectFor(source, opts());
  assert.equal(compiles(), n0 + 1, 'attach during the background compile started a second clang');
  const e = await cache.objectFor(edited, opts());
  assert.equal(e.compiled, true);
  assert.notEqual(e.key, a.key);
  assert.notEqual(e.object, a.object);
  assert.equal(compiles(), n0 + 2);
  // the edit really is in the object
  assert.ok(readFileSync(e.object).includes(MARK));
  assert.ok(!readFileSync(a.object).includes(MARK));
});

test('a broken edit rejects with clang\'s message, from a background compile too', async (t) => {
  if (skipIf(t)) return;
  const cache = freshCache();
  const broken = source.replace('kpn_submit(e);', 'kpn_submit(e) this is not C;');
  cache.prefetch(broken, opts());
  await assert.rejects(cache.objectFor(broken, opts()), /^Error: clang failed: .*error: expected ';'/s);
  // nothing half-built is left to be found later
  assert.deepEqual(readdirSync(cache.dir).filter((n) => !n.startsWith('tmp-')), []);
  await assert.rejects(cache.objectFor(broken, opts()), /clang failed/);
});

test('a tampered cached object is rebuilt, never used', async (t) => {
  if (skipIf(t)) return;
  const cache = freshCache();
  const first = await cache.objectFor(source, opts());
  const tamper = {
    'readable by others': (f) => chmodSync(f, 0o644),
    'owned by someone else': (f) => chownSync(f, 65534, 65534),
    'content changed': (f) => appendFileSync(f, 'x'),
    'digest missing': (f) => unlinkSync(`${f}.sha256`),
    'a symlink': (f) => { const other = join(scratch, 'other.o'); writeFileSync(other, readFileSync(f), { mode: 0o600 }); unlinkSync(f); symlinkSync(other, f); },
  };
  for (const [what, doIt] of Object.entries(tamper)) {
    doIt(first.object);
    const n = compiles();
    const r = await cache.objectFor(source, opts());
    assert.equal(r.compiled, true, `${what}: the cached object was used`);
    assert.equal(compiles(), n + 1, what);
    const st = lstatSync(r.object);
    assert.ok(st.isFile(), what);
    assert.equal(st.uid, process.getuid(), what);
    assert.equal(st.mode & 0o777, 0o600, what);
    assert.equal((await cache.objectFor(source, opts())).compiled, false, `${what}: the rebuilt object is used again`);
  }
});

test('the cache keeps only the most recently used entries', async (t) => {
  if (skipIf(t)) return;
  const cache = freshCache({ maxEntries: 2, maxBytes: 64 << 20 });
  const srcs = [source, edited, source.replace('Generated by', 'Generated (3) by')];
  const objs = [];
  for (const s of srcs) objs.push(await cache.objectFor(s, opts()));
  const left = readdirSync(cache.dir).filter((n) => n.endsWith('.o')).sort();
  assert.equal(left.length, 2);
  assert.ok(!existsSync(objs[0].object), 'the oldest entry stays');
  assert.ok(!existsSync(`${objs[0].object}.sha256`));
  assert.ok(existsSync(objs[2].object));
});
