// `kpn check` end to end: .bpf.o files compiled here with clang, targets picked from this
// machine's /proc/kallsyms and BTF (a good one, an inlined one, an `.isra` clone, an absent one),
// judged against the 6.1 subset tree; agreement with Debian 6.1's BTF on a large sample; bad
// evidence files each give one clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { subsetIndex } from '../support/subsetIndex.mjs';
import { debian61Vmlinux, hasCommand } from '../btf/fixtures.mjs';

const require = createRequire(import.meta.url);
const { readSymbolFile } = require('../../server/out/btf/kallsyms.js');
const { Btf } = require('../../server/out/btf/btf.js');
const KPN = new URL('../../server/out/cli/kpn.js', import.meta.url).pathname;
const INIT = ['__init', '__exit', '__meminit', '__cpuinit'];

let sub, dir, cache, picks, skipReason;

/** Runs kpn; resolves to { code, stdout, stderr } (no throw on exit 1). */
function kpn(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [KPN, ...args], { maxBuffer: 64 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function program(targets) {
  return [
    '#define SEC(name) __attribute__((section(name), used))',
    'char LICENSE[] SEC("license") = "GPL";',
    ...targets.map((t, i) => `SEC("${t}") int prog${i}(void *ctx) { return 0; }`),
  ].join('\n') + '\n';
}

function compile(name, targets, extra = ['-g']) {
  const src = join(dir, `${name}.bpf.c`);
  writeFileSync(src, program(targets));
  const obj = join(dir, `${name}.bpf.o`);
  execFileSync('clang', ['-O2', ...extra, '-target', 'bpf', '-c', src, '-o', obj]);
  return obj;
}

before(async () => {
  if (!hasCommand('clang')) { skipReason = 'clang not installed'; return; }
  sub = await subsetIndex();
  if (sub.missing) { skipReason = sub.missing; return; }
  dir = mkdtempSync(join(tmpdir(), 'kpn-check-'));
  cache = join(dir, 'cache');
  const ks = readSymbolFile('/proc/kallsyms');
  const btf = Btf.open('/sys/kernel/btf/vmlinux');
  const fns = [...sub.index.allFunctions()].filter((f) => f.file.endsWith('.c') && !f.syscall && !f.qualifiers.some((q) => INIT.includes(q)) && sub.index.resolve(f.name).length === 1);
  picks = {
    good: fns.find((f) => f.name === 'tcp_v4_connect' && btf.hasFunc(f.name) && ks.hasExact(f.name)),
    inlined: fns.find((f) => f.qualifiers.includes('static') && f.qualifiers.includes('inline') && !ks.has(f.name) && !btf.hasFunc(f.name)),
    clone: fns.find((f) => !ks.hasExact(f.name) && ks.clones(f.name).some((c) => c.includes('.isra.')) && !btf.hasFunc(f.name)),
    absent: fns.find((f) => !f.qualifiers.includes('static') && !f.qualifiers.includes('inline') && !ks.has(f.name) && !btf.hasFunc(f.name)),
  };
  for (const [k, v] of Object.entries(picks)) if (!v) skipReason = `no ${k} target found in this machine's kallsyms/BTF`;
  if (!skipReason) console.log(`# targets: ${Object.entries(picks).map(([k, v]) => `${k}=${v.name}`).join(' ')}`);
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function skipped(t) {
  if (skipReason) { console.log(`# skipped: ${skipReason}`); t.skip(skipReason); return true; }
  return false;
}

test('a .bpf.o with a good, an inlined, an .isra clone and an absent target, against the running kernel', async (t) => {
  if (skipped(t)) return;
  const obj = compile('four', [`kprobe/${picks.good.name}`, `kprobe/${picks.inlined.name}`, `fentry/${picks.clone.name}`, `kretprobe/${picks.absent.name}`]);
  const r = await kpn('check', obj, '--tree', sub.dir, '--cache', cache, '--running-kernel', '--json');
  assert.equal(r.code, 1, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 4);
  for (const row of rows) {
    assert.equal(typeof row.target, 'string');
    assert.equal(typeof row.attachable, 'boolean');
    assert.equal(typeof row.verdict, 'string');
    assert.ok(Array.isArray(row.reasons) && row.reasons.every((x) => typeof x === 'string') && row.reasons.length > 0);
    assert.match(row.source, /^BTF of .* \+ kallsyms$/);
  }
  const [good, inlined, clone, absent] = rows;
  assert.deepEqual([good.target, good.attachable, good.verdict, good.severity], [picks.good.name, true, 'attachable', 'info']);
  assert.deepEqual([inlined.target, inlined.attachable, inlined.verdict], [picks.inlined.name, false, 'inlined']);
  assert.deepEqual([clone.target, clone.attachable, clone.verdict], [picks.clone.name, false, 'clone']);
  assert.match(clone.attachAs, new RegExp(`^${picks.clone.name}\\.isra\\.\\d+`));
  assert.deepEqual([absent.target, absent.attachable, absent.verdict], [picks.absent.name, false, 'absent']);
  assert.ok(absent.reasons.some((x) => /not in \/proc\/kallsyms/.test(x)), absent.reasons.join('\n'));

  const text = await kpn('check', obj, '--tree', sub.dir, '--cache', cache, '--running-kernel');
  assert.equal(text.code, 1);
  assert.match(text.stdout, /4 targets: 3 errors, 0 warnings/);
  assert.match(text.stdout, new RegExp(`error   fentry/${picks.clone.name}  NOT attachable \\(clone\\) — attach as ${picks.clone.name}\\.isra`));
});

test('only good targets: exit 0; the tree alone (source heuristics) also judges', async (t) => {
  if (skipped(t)) return;
  const obj = compile('good', [`kprobe/${picks.good.name}`, 'ksyscall/connect', 'tp/sock/inet_sock_set_state', 'xdp']);
  const r = await kpn('check', obj, '--tree', sub.dir, '--cache', cache, '--running-kernel', '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => [x.target, x.attachable, x.verdict]), [
    [picks.good.name, true, 'attachable'], ['connect', true, 'syscall'], ['inet_sock_set_state', true, 'tracepoint'], ['', false, 'unchecked'],
  ]);
  assert.equal(rows[1].attachAs, '__x64_sys_connect');
  const src = await kpn('check', obj, '--tree', sub.dir, '--cache', cache, '--json');
  const srcRows = src.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(srcRows.every((x) => x.source === 'source heuristics'), src.stdout);

  // A tracepoint neither the tree nor the build has, and a syscall that does not exist.
  const bad = compile('badtp', ['tp/sock/kpn_no_such_tracepoint', 'ksyscall/kpn_no_such_syscall']);
  const b = await kpn('check', bad, '--tree', sub.dir, '--cache', cache, '--running-kernel', '--json');
  assert.equal(b.code, 1);
  const badRows = b.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(badRows.map((x) => [x.target, x.attachable, x.verdict, x.severity]), [
    ['kpn_no_such_tracepoint', false, 'absent', 'error'], ['kpn_no_such_syscall', false, 'absent', 'error'],
  ]);
  assert.match(badRows[0].reasons[0], /^no btf_trace_kpn_no_such_tracepoint in BTF of /);
});

test('with Debian 6.1 BTF: kpn check agrees with BTF presence on a large sample', async (t) => {
  if (skipped(t)) return;
  const vmlinux = debian61Vmlinux();
  if (vmlinux.skip) { console.log(`# skipped: ${vmlinux.skip}`); t.skip(vmlinux.skip); return; }
  const btf = Btf.open(vmlinux);
  // Every 3rd distinct .c function name: a spread over all files of the subset.
  const names = [...new Set([...sub.index.allFunctions()].filter((f) => f.file.endsWith('.c') && !f.syscall && /^\w+$/.test(f.name)).map((f) => f.name))]
    .filter((_, i) => i % 3 === 0);
  const src = join(dir, 'many.bpf.c');
  writeFileSync(src, program(names.map((n) => `kprobe/${n}`)));
  const r = await kpn('check', src, '--tree', sub.dir, '--cache', cache, '--btf', vmlinux, '--json');
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, names.length);
  const wrong = [];
  let yes = 0;
  for (const row of rows) {
    const def = sub.index.resolve(row.target).find((d) => d.file === row.file && d.nameSpan.start.line + 1 === row.line);
    const truth = btf.hasFunc(row.target) && !def.qualifiers.some((q) => INIT.includes(q));
    if (row.attachable) yes++;
    if (row.attachable !== truth) wrong.push(`${row.target}: ${row.verdict}/${row.attachable} vs BTF ${truth}`);
  }
  console.log(`# ${rows.length} targets, ${yes} attachable, ${wrong.length} disagreements`);
  assert.ok(rows.length > 2000 && yes > 500);
  assert.deepEqual(wrong.slice(0, 20), []);
  assert.equal(r.code, 1, 'some targets are inlined in that build');
});

test('bad evidence and bad inputs: one clear message each, never a crash', async (t) => {
  if (skipped(t)) return;
  const obj = compile('one', [`kprobe/${picks.good.name}`]);
  const truncated = join(dir, 'truncated.btf');
  writeFileSync(truncated, readFileSync('/sys/kernel/btf/vmlinux').subarray(0, 100_000));
  let r = await kpn('check', obj, '--btf', truncated);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^kpn: build evidence: .*truncated\.btf: type section \(\d+ bytes at \d+\) runs past the end \(100000 bytes\): truncated/m);

  const noBtf = compile('nobtf', ['kprobe/x'], []); // no -g: an ELF without .BTF
  r = await kpn('check', obj, '--btf', noBtf);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ELF file has no \.BTF section/);

  const map = join(dir, 'System.map');
  const good = readFileSync('/proc/kallsyms', 'latin1').split('\n').slice(0, 2000);
  writeFileSync(map, [...good.slice(0, 1000), 'this is not a symbol line', '\u0000\u0001garbage', ...good.slice(1000)].join('\n'));
  r = await kpn('check', obj, '--symbols', map, '--json');
  assert.match(r.stderr, /System\.map: 2 line\(s\) not understood and ignored \(first at line 1001\); \d+ text symbols used/);
  const row = JSON.parse(r.stdout.trim().split('\n')[0]);
  assert.equal(row.source, 'System.map');

  const garbage = join(dir, 'garbage.map');
  writeFileSync(garbage, 'this is not a symbol file\n\u0000\u0001\u0002 binary noise\nhere [x] [y]\n');
  r = await kpn('check', obj, '--symbols', garbage);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /garbage\.map: no text symbols found \(3 line\(s\) not understood, first at line 1\)/);

  const notElf = join(dir, 'text.bpf.o');
  writeFileSync(notElf, 'not an object file\n');
  r = await kpn('check', notElf, '--tree', sub.dir, '--cache', cache);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^kpn: .*text\.bpf\.o: /m);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');

  r = await kpn('check', join(dir, 'missing.bpf.c'), '--tree', sub.dir, '--cache', cache);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.bpf\.c: cannot read/);

  r = await kpn('check', join(dir, 'x.txt'), '--tree', sub.dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected a \.bpf\.o \(compiled object\) or a \.bpf\.c \(source\)/);
  r = await kpn('check', obj);
  assert.equal(r.code, 2);
});
