// BTF and ELF readers against this machine's kernel BTF and Debian's 6.1 vmlinux, each
// cross-checked with bpftool run from the test, plus malformed inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { debian61Vmlinux, hasCommand } from './fixtures.mjs';

const require = createRequire(import.meta.url);
const { Btf, BtfError, BtfKind } = require('../../server/out/btf/btf.js');
const { ElfFile, ElfError } = require('../../server/out/btf/elf.js');

const SYS_BTF = '/sys/kernel/btf/vmlinux';

/** FUNC entries and FUNC_PROTO params from `bpftool btf dump file X` (raw format). */
function bpftoolRaw(file) {
  const out = execFileSync('bpftool', ['btf', 'dump', 'file', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const funcs = new Map(); // name -> [{id, protoId}]
  const protos = new Map(); // id -> {ret, params: [{name, type}]}
  let cur;
  for (const line of out.split('\n')) {
    let m = /^\[(\d+)\] FUNC '([^']*)' type_id=(\d+)/.exec(line);
    if (m) {
      const list = funcs.get(m[2]) ?? [];
      list.push({ id: +m[1], protoId: +m[3] });
      funcs.set(m[2], list);
      cur = undefined;
      continue;
    }
    m = /^\[(\d+)\] FUNC_PROTO '[^']*' ret_type_id=(\d+)/.exec(line);
    if (m) { cur = { ret: +m[2], params: [] }; protos.set(+m[1], cur); continue; }
    m = /^\t'([^']*)' type_id=(\d+)/.exec(line);
    // bpftool shows an empty name as '(anon)'.
    if (m && cur) { cur.params.push({ name: m[1] === '(anon)' ? '' : m[1], type: +m[2] }); continue; }
    if (line.startsWith('[')) cur = undefined;
  }
  return { funcs, protos };
}

function crossCheckFuncs(btf, file, t) {
  const { funcs, protos } = bpftoolRaw(file);
  let total = 0;
  for (const l of funcs.values()) total += l.length;
  assert.equal(btf.funcCount, total, 'FUNC count vs bpftool');
  assert.deepEqual(new Set(btf.funcNames()), new Set(funcs.keys()), 'FUNC names vs bpftool');
  // Every FUNC's prototype: same param names, same param type ids, same return type id.
  let checked = 0;
  for (const [name, list] of funcs) {
    assert.deepEqual([...btf.funcIdsOf(name)], list.map((f) => f.id), name);
    for (const f of list) {
      const want = protos.get(f.protoId);
      const got = btf.funcProto(f.id);
      const wantParams = want.params.filter((p, i) => !(p.type === 0 && p.name === '' && i === want.params.length - 1));
      assert.equal(got.returnType, want.ret, `${name} return type id`);
      assert.deepEqual(got.params, wantParams, `${name} params`);
      assert.equal(got.variadic, wantParams.length !== want.params.length, `${name} variadic`);
      checked++;
    }
  }
  t.diagnostic(`${file}: ${total} FUNC entries, ${checked} prototypes checked against bpftool`);
}

test('raw BTF of the running kernel matches bpftool', { skip: !fs.existsSync(SYS_BTF) && `${SYS_BTF} absent` }, (t) => {
  if (!hasCommand('bpftool')) return t.skip('bpftool not installed');
  const start = performance.now();
  const btf = Btf.open(SYS_BTF);
  t.diagnostic(`opened in ${(performance.now() - start).toFixed(0)} ms, ${btf.typeCount} type ids`);
  crossCheckFuncs(btf, SYS_BTF, t);
  // Checked by hand against include/net/tcp.h, include/linux/fs.h, include/linux/printk.h.
  assert.equal(btf.prototype('tcp_v4_connect'), 'int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)');
  assert.equal(btf.prototype('vfs_read'), 'ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)');
  assert.equal(btf.prototype('_printk'), 'int _printk(const char *fmt, ...)');
  assert.equal(btf.prototype('no_such_function_here'), undefined);
});

test('declarations render like bpftool format c for every typedef', { skip: !fs.existsSync(SYS_BTF) && `${SYS_BTF} absent` }, (t) => {
  if (!hasCommand('bpftool')) return t.skip('bpftool not installed');
  const header = execFileSync('bpftool', ['btf', 'dump', 'file', SYS_BTF, 'format', 'c'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  // bpftool puts spaces around some stars (`struct x * (*f)(…)`, `* const`); compare without them.
  const squash = (s) => s.replace(/\s*\*\s*/g, '*').replace(/\s+/g, ' ');
  const want = new Map();
  for (const line of header.split('\n')) {
    // bpftool renames clashing types `name___2`; BTF itself holds the plain name.
    if (!line.startsWith('typedef ') || !line.endsWith(';') || line.includes('{') || /___\d/.test(line)) continue;
    want.set(line, true);
  }
  const btf = Btf.open(SYS_BTF);
  const mine = new Set();
  for (let id = 1; id < btf.typeCount; id++) {
    const ty = btf.type(id);
    if (ty.kind !== BtfKind.TYPEDEF) continue;
    const text = `typedef ${btf.declaration(ty.sizeOrType, ty.name)};`;
    if (!text.includes('{...}')) mine.add(squash(text));
  }
  let compared = 0;
  const missing = [];
  for (const line of want.keys()) {
    compared++;
    if (!mine.has(squash(line))) missing.push(line);
  }
  t.diagnostic(`${compared} single-line typedefs from bpftool compared`);
  assert.ok(compared > 1000, `only ${compared} typedefs found in bpftool output`);
  assert.deepEqual(missing.slice(0, 10), []);
});

test('ELF vmlinux of Debian 6.1.0-56: .BTF section matches bpftool', async (t) => {
  const vmlinux = debian61Vmlinux();
  if (typeof vmlinux !== 'string') return t.skip(vmlinux.skip);
  if (!hasCommand('bpftool')) return t.skip('bpftool not installed');
  const btf = Btf.open(vmlinux);
  assert.match(btf.source, /\[\.BTF\]$/);
  crossCheckFuncs(btf, vmlinux, t);
  assert.equal(btf.prototype('tcp_v4_connect'), 'int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)');
  // 6.1 declared do_sys_open as `long` (fs/open.c); 6.18 changed it to `int`.
  assert.equal(btf.prototype('do_sys_open'), 'long int do_sys_open(int dfd, const char *filename, int flags, umode_t mode)');
  const elf = ElfFile.open(vmlinux);
  try {
    const names = execFileSync('readelf', ['-SW', vmlinux], { encoding: 'utf8' })
      .split('\n').map((l) => /^\s*\[\s*\d+\]\s+(\S+)/.exec(l)?.[1]).filter(Boolean);
    assert.deepEqual(elf.sections.slice(1).map((s) => s.name), names.slice(1), 'section names vs readelf');
    const syms = elf.symbols();
    const want = execFileSync('readelf', ['-sW', vmlinux], { encoding: 'utf8', maxBuffer: 1 << 30 })
      .split('\n').filter((l) => /^\s*\d+:/.test(l)).length;
    assert.equal(syms.length, want, 'symbol count vs readelf');
  } finally {
    elf.close();
  }
});

test('program sections of a .bpf.o', (t) => {
  if (!hasCommand('clang')) return t.skip('clang not installed');
  if (!fs.existsSync('/usr/include/bpf/bpf_helpers.h')) return t.skip('libbpf-dev not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpn-bpfo-'));
  try {
    const src = path.join(dir, 'probe.bpf.c');
    fs.writeFileSync(src, `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("kprobe/tcp_v4_connect") int k(void *ctx) { return 0; }
SEC("fentry/tcp_v4_connect") int f(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_connect") int tp(void *ctx) { return 0; }
SEC("ksyscall/connect") int ks(void *ctx) { return 0; }
char LICENSE[] SEC("license") = "GPL";
`);
    const obj = path.join(dir, 'probe.bpf.o');
    // Debian keeps asm/types.h under the multiarch include directory.
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim()}`, '-c', src, '-o', obj]);
    const elf = ElfFile.open(obj);
    try {
      assert.deepEqual(elf.programSections(), ['kprobe/tcp_v4_connect', 'fentry/tcp_v4_connect', 'tracepoint/syscalls/sys_enter_connect', 'ksyscall/connect']);
      // clang -g emits BTF into the object, so the same reader serves it.
      const btf = Btf.fromBuffer(elf.sectionData(elf.section('.BTF')), obj);
      assert.equal(btf.prototype('k'), 'int k(void *ctx)');
      const syms = elf.symbols().filter((s) => s.type === 2).map((s) => s.name).sort();
      assert.deepEqual(syms, ['f', 'k', 'ks', 'tp']);
    } finally {
      elf.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad inputs give errors that say what is wrong', { skip: !fs.existsSync(SYS_BTF) && `${SYS_BTF} absent` }, () => {
  const data = fs.readFileSync(SYS_BTF);
  assert.throws(() => Btf.fromBuffer(data.subarray(0, 10), 'short'), (e) => e instanceof BtfError && /too short for a BTF header/.test(e.message));
  assert.throws(() => Btf.fromBuffer(data.subarray(0, 4096), 'cut'), (e) => e instanceof BtfError && /truncated/.test(e.message) && /cut:/.test(e.message));
  const bad = Buffer.from(data);
  bad.writeUInt16LE(0x1234, 0);
  assert.throws(() => Btf.fromBuffer(bad, 'bad'), /bad magic 0x1234 \(want 0xeb9f\)/);
  // Type section ending mid-record: keep the header's lengths consistent but cut one type short.
  const hdrLen = data.readUInt32LE(4);
  const typeLen = data.readUInt32LE(12);
  const cut = Buffer.from(data);
  cut.writeUInt32LE(typeLen - 6, 12);
  assert.throws(() => Btf.fromBuffer(cut, 'mid'), (e) => e instanceof BtfError && /truncated type section/.test(e.message) && e.offset >= hdrLen);
  // A real ELF without .BTF: the node binary itself.
  assert.throws(() => Btf.open(process.execPath), /has no \.BTF section/);
  const notElf = path.join(os.tmpdir(), `kpn-notelf-${process.pid}`);
  fs.writeFileSync(notElf, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(57)]));
  try {
    assert.throws(() => ElfFile.open(notElf), (e) => e instanceof ElfError && /no section header table/.test(e.message));
    const head = fs.readFileSync(process.execPath).subarray(0, 4096);
    fs.writeFileSync(notElf, head);
    assert.throws(() => ElfFile.open(notElf), /runs past the end of the file.*truncated/);
    fs.writeFileSync(notElf, 'hello world, not an object file at all, padding padding padding padding');
    assert.throws(() => ElfFile.open(notElf), /not an ELF file/);
  } finally {
    fs.rmSync(notElf, { force: true });
  }
  assert.throws(() => Btf.open('/nonexistent/vmlinux'), /\/nonexistent\/vmlinux: cannot read/);
});
