// Section names → targets (libbpf's conventions) and the lexical SEC("…") scan of .bpf.c text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseSection } = require('../../server/out/check/sections.js');
const { sectionsOfSource } = require('../../server/out/check/bpfSections.js');

test('function, syscall and tracepoint sections name their target', () => {
  const pick = (s) => { const r = parseSection(s); return [r.kind, r.name, r.system]; };
  assert.deepEqual(pick('kprobe/tcp_v4_connect'), ['function', 'tcp_v4_connect', undefined]);
  assert.deepEqual(pick('kretprobe/tcp_v4_connect'), ['function', 'tcp_v4_connect', undefined]);
  assert.deepEqual(pick('kprobe/tcp_v4_connect+0x10'), ['function', 'tcp_v4_connect', undefined]);
  assert.deepEqual(pick('fentry/inet_addr_hash.isra.0'), ['function', 'inet_addr_hash.isra.0', undefined]);
  assert.deepEqual(pick('fexit/do_unlinkat'), ['function', 'do_unlinkat', undefined]);
  assert.deepEqual(pick('fentry.s/bprm_execve'), ['function', 'bprm_execve', undefined]);
  assert.deepEqual(pick('ksyscall/connect'), ['syscall', 'connect', undefined]);
  assert.deepEqual(pick('kretsyscall/openat'), ['syscall', 'openat', undefined]);
  assert.deepEqual(pick('tp/sched/sched_switch'), ['tracepoint', 'sched_switch', 'sched']);
  assert.deepEqual(pick('tracepoint/syscalls/sys_enter_connect'), ['tracepoint', 'sys_enter_connect', 'syscalls']);
  assert.deepEqual(pick('raw_tp/sched_switch'), ['raw-tracepoint', 'sched_switch', undefined]);
  assert.deepEqual(pick('tp_btf/sched_switch'), ['raw-tracepoint', 'sched_switch', undefined]);
});

test('sections without a kernel target, or malformed ones, are `other` with a note', () => {
  for (const s of ['kprobe', 'xdp', 'socket', 'uprobe/bin/bash:readline', 'license', 'kprobe.multi/tcp_*', 'kprobe/not a name', 'tp/sched', 'ksyscall/']) {
    const r = parseSection(s);
    assert.equal(r.kind, 'other', s);
    assert.ok(r.note && r.note.length > 10, s);
  }
});

test('SEC scan: positions, comments skipped, #define skipped, macro-built names flagged', () => {
  const text = [
    '#define SEC(name) __attribute__((section(name), used))',
    '/* SEC("kprobe/in_block_comment") */',
    'char LICENSE[] SEC("license") = "GPL"; struct { int x; } m SEC(".maps");',
    'SEC("kprobe/tcp_v4_connect")',
    'int BPF_KPROBE(x) { return 0; } // SEC("kprobe/in_line_comment")',
    '  SEC( "fentry/do_unlinkat" ) int y(void *c) { return 0; }',
    'SEC("kprobe/" SYS_PREFIX "sys_connect") int z(void *c) { return 0; }',
    'char s[] = "SEC(\\"kprobe/in_string\\")";',
    'SEC("kprobe/" "tcp_v4_connect") int w(void *c) { return 0; }',
  ].join('\n');
  const got = sectionsOfSource(text);
  assert.deepEqual(got.map((s) => [s.section, s.line, s.col, !!s.unresolved]), [
    ['kprobe/tcp_v4_connect', 3, 5, false],
    ['fentry/do_unlinkat', 5, 8, false],
    ['"kprobe/" SYS_PREFIX "sys_connect"', 6, 4, true],
    ['kprobe/tcp_v4_connect', 8, 5, false],
  ]);
});
