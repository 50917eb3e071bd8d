// Live probes through the real language server and the real helper on this machine's kernel:
// attach, events, refusals with their reasons, trust gating, and where the helper binary comes from.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startServer } from '../support/lspClient.mjs';
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { buildHelper, connectOnce, helperPath, myComm } from '../bpf-helper/setup.mjs';
import { runningKernelConfig } from '../../server/out/attach/kernelConfig.js';

// A small tree of real kernel files: indexing it takes a second, not the subset's half minute.
const FILES = ['include/trace/events/sched.h', 'include/trace/events/tcp.h', 'net/ipv4/tcp_ipv4.c', 'net/socket.c'];

let tree;
let skip;
const servers = [];
const scratch = [];

before(async () => {
  skip = buildHelper();
  if (skip) return;
  const subset = await ensureSubsetTree();
  if (subset.missing) { skip = subset.missing; return; }
  tree = mkdtempSync(join(tmpdir(), 'kpn-attach-tree-'));
  for (const f of FILES) {
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    copyFileSync(join(subset.dir, f), join(tree, f));
  }
});

after(async () => {
  for (const s of servers) await s.stop();
  for (const d of [tree, ...scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

async function server(initializationOptions = {}, onConfiguration) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'kpn-attach-cache-'));
  scratch.push(cacheDir);
  const s = await startServer(tree, { cacheDir, initializationOptions });
  servers.push(s);
  if (onConfiguration) s.conn.onRequest('workspace/configuration', onConfiguration);
  const st = await s.ready;
  assert.equal(st.state, 'ready');
  s.cacheDir = cacheDir;
  s.events = [];
  s.stats = [];
  s.conn.onNotification('kpn/attachEvents', ({ events }) => s.events.push(...events));
  s.conn.onNotification('kpn/attachStats', ({ sessions }) => s.stats.push(sessions));
  return s;
}

function skipIf(t) {
  if (!skip) return false;
  console.log(`# skipped: ${skip}`);
  t.skip(skip);
  return true;
}

// The refusal tests need a kernel without kprobes whose config says so (this machine's kind).
const config = runningKernelConfig();
const escaped = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function skipUnlessKprobesOff(t) {
  if (skipIf(t)) return true;
  const why = !config ? 'no readable kernel config' : config.get('CONFIG_KPROBES') ? 'this kernel has kprobes: nothing to refuse' : null;
  if (!why) return false;
  console.log(`# skipped: ${why}`);
  t.skip(why);
  return true;
}

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('request succeeded but should have been refused');
}

test('kpn/attach of syscalls:sys_enter_connect streams our connection and counts hits', async (t) => {
  if (skipIf(t)) return;
  const s = await server({ trusted: true });
  // lines in requests are 1-based (as the CodeLenses send them); the session's line is the editor's 0-based one
  const info = await s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'tracepoint', file: 'net/socket.c', line: 2035 });
  assert.equal(info.attach, 'tracepoint');
  assert.equal(info.line, 2034);
  assert.equal(info.target, 'syscalls:sys_enter_connect');
  assert.match(info.uri, /^file:.*net\/socket\.c$/);
  const port = await connectOnce();
  const ev = await until(() => s.events.find((e) => e.pid === process.pid && e.values?.uservaddr?.port === port), 5000, 'our connect event');
  assert.equal(ev.comm, myComm());
  assert.equal(ev.values.uservaddr.addr, '127.0.0.1');
  assert.match(ev.text, new RegExp(`^${myComm()}\\[${process.pid}\\] .*uservaddr=127\\.0\\.0\\.1:${port}`));
  // counters arrive without being asked, at least every second, with drops reported
  const seen = s.stats.length;
  const st = await until(() => s.stats.slice(seen).flat().find((x) => x.link === info.link && x.hits >= 1), 2500, 'a stats notification');
  assert.equal(typeof st.drops, 'number');
  assert.equal(typeof st.hitRate, 'number');
  assert.equal((await s.conn.sendRequest('kpn/sessions')).length, 1);
  const gone = await s.conn.sendRequest('kpn/detachAll');
  assert.equal(gone.length, 1);
  assert.ok(gone[0].events >= 1);
  assert.deepEqual(await s.conn.sendRequest('kpn/sessions'), []);
});

test('a kprobe request comes back with the CONFIG_KPROBES explanation and the tracepoint to use', async (t) => {
  if (skipUnlessKprobesOff(t)) return;
  const s = await server({ trusted: true });
  const e = await rejection(s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', type: 'kprobe', file: 'net/ipv4/tcp_ipv4.c' }));
  assert.equal(e.data.code, 'ENOKPROBES');
  assert.match(e.message, new RegExp(`CONFIG_KPROBES is not set \\(${escaped(config.source)}\\)`));
  assert.match(e.data.reasons[0], /^kprobe: .*# CONFIG_KPROBES is not set/);
  assert.ok(e.data.alternatives.includes('syscalls:sys_enter_connect'), JSON.stringify(e.data.alternatives));
  assert.match(e.message, /Try the tracepoint \S+ instead/);

  // a SYSCALL_DEFINE offers its own syscalls tracepoint first (from the index, not a guess)
  const sys = await rejection(s.conn.sendRequest('kpn/attach', { target: 'sys_connect', type: 'ksyscall', file: 'net/socket.c', line: 2035 }));
  assert.equal(sys.data.code, 'ENOKPROBES');
  assert.deepEqual(sys.data.alternatives.slice(0, 2), ['syscalls:sys_enter_connect', 'syscalls:sys_exit_connect']);
  // the stability CodeLens names the syscall by its wrapper symbol
  const wrapper = await rejection(s.conn.sendRequest('kpn/attach', { target: '__x64_sys_connect', type: 'ksyscall', file: 'net/socket.c', line: 2035 }));
  assert.equal(wrapper.data.alternatives[0], 'syscalls:sys_enter_connect');
});

test('auto on a function says why each type failed; the generated program compiles on attach', async (t) => {
  if (skipUnlessKprobesOff(t)) return;
  const s = await server({ trusted: true });
  const g = await s.conn.sendRequest('kpn/generate', { target: 'tcp_v4_connect', file: 'net/ipv4/tcp_ipv4.c' });
  const src = readFileSync(g.path, 'utf8');
  assert.match(src, /BPF_CORE_READ\(p0, __sk_common\.skc_dport\)/);
  assert.ok(g.fields.includes('sk.dport'));
  // the user's edit is what gets compiled: break it and clang's message comes back
  writeFileSync(g.path, src.replace('kpn_submit(e);', 'kpn_submit(e) this is not C;'));
  const bad = await rejection(s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', source: g.path }));
  assert.equal(bad.data.code, 'ECOMPILE');
  assert.match(bad.message, /clang failed: .*error/s);
  writeFileSync(g.path, src);
  const e = await rejection(s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', source: g.path }));
  assert.equal(e.data.code, 'ENOATTACH');
  assert.deepEqual(e.data.tried.map((x) => x.code), ['EFENTRY_REFUSED', 'ENOKPROBES']);
  assert.match(e.data.reasons[0], /^fentry: .*trampolines/);
  assert.match(e.data.reasons[1], /^kprobe: .*CONFIG_KPROBES/);
  assert.ok(e.data.alternatives.includes('syscalls:sys_enter_connect'));
  // the function lens proposes fentry (BTF has it); refused here, the kprobe fallback is tried and explained too
  const lens = await rejection(s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', type: 'fentry', source: g.path, file: 'net/ipv4/tcp_ipv4.c', line: 211 }));
  assert.deepEqual(lens.data.tried.map((x) => x.code), ['EFENTRY_REFUSED', 'ENOKPROBES']);
  assert.match(lens.message, new RegExp(`^This kernel refuses fentry .* and has no kprobes: CONFIG_KPROBES is not set \\(${escaped(config.source)}\\)\\. Try the tracepoint syscalls:sys_enter_connect instead\\.$`));
  const unknown = await rejection(s.conn.sendRequest('kpn/generate', { target: 'no_such_function_here' }));
  assert.match(unknown.message, /not defined in the indexed tree/);
});

test('kpn/generate and saved edits compile ahead; attach reuses those objects, and compiles an unseen edit', async (t) => {
  if (skipIf(t)) return;
  const s = await server({ trusted: true });
  const objects = join(s.cacheDir, 'probes', 'objects');
  const cached = () => (existsSync(objects) ? readdirSync(objects).filter((n) => n.endsWith('.o')) : []);
  const g = await s.conn.sendRequest('kpn/generate', { target: 'tcp_v4_connect', file: 'net/ipv4/tcp_ipv4.c' });
  // the background compile lands without any attach
  const until = Date.now() + 60000;
  while (!cached().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.equal(cached().length, 1, 'no object compiled ahead');
  const [name] = cached();
  const ino = statSync(join(objects, name)).ino;
  assert.equal(statSync(objects).mode & 0o777, 0o700);
  const attach = async () => {
    // on this kernel the function cannot attach (no kprobes, fentry refused); elsewhere it does
    try { await s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', source: g.path }); await s.conn.sendRequest('kpn/detachAll'); } catch (e) { assert.notEqual(e.data?.code, 'ECOMPILE', e.message); }
  };
  await attach();
  assert.deepEqual(cached(), [name], 'the unchanged source was compiled again');
  assert.equal(statSync(join(objects, name)).ino, ino);
  // a saved edit is compiled in the background too, before any attach
  writeFileSync(g.path, readFileSync(g.path, 'utf8').replace('kpn_submit(e);', 'kpn_submit(e); /* edited */'));
  const until2 = Date.now() + 60000;
  while (cached().length < 2 && Date.now() < until2) await new Promise((r) => setTimeout(r, 100));
  assert.equal(cached().length, 2, 'the saved edit was not compiled ahead');
  assert.ok(cached().includes(name));
  const edited = cached().find((n) => n !== name);
  const editedIno = statSync(join(objects, edited)).ino;
  await attach();
  assert.equal(cached().length, 2, 'attach compiled the saved edit again');
  assert.equal(statSync(join(objects, edited)).ino, editedIno);
  // an edit attached at once (before the background compile could run) is compiled on attach
  writeFileSync(g.path, readFileSync(g.path, 'utf8').replace('/* edited */', '/* edited again */'));
  await attach();
  assert.equal(cached().length, 3);
});

test('an untrusted workspace is refused until trust is granted', async (t) => {
  if (skipIf(t)) return;
  const s = await server({ trusted: false });
  const e = await rejection(s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect' }));
  assert.equal(e.code, -32001);
  assert.match(e.message, /untrusted workspace/);
  const g = await rejection(s.conn.sendRequest('kpn/generate', { target: 'tcp_v4_connect' }));
  assert.equal(g.code, -32001);
  await s.conn.sendNotification('kpn/trustGranted');
  const info = await s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'tracepoint' });
  assert.equal(info.attach, 'tracepoint');
  await s.conn.sendRequest('kpn/detachAll');
});

test('bad names are refused before reaching the helper, and the server stays up', async (t) => {
  if (skipIf(t)) return;
  const s = await server({ trusted: true });
  for (const target of ['tcp_v4_connect; rm -rf /', 'syscalls:sys_enter_connect:x', '../etc', '']) {
    const e = await rejection(s.conn.sendRequest('kpn/attach', { target }));
    assert.equal(e.code, -32002, target);
  }
  const a = await rejection(s.conn.sendRequest('kpn/attach', { target: 'tcp_v4_connect', addr: '0x1; reboot' }));
  assert.equal(a.code, -32002);
  const e = await rejection(s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'kprobe' }));
  assert.match(e.message, /is a tracepoint; kprobe attaches to functions/);
  const d = await rejection(s.conn.sendRequest('kpn/detach', { link: 99 }));
  assert.equal(d.code, -32002);
  assert.deepEqual(await s.conn.sendRequest('kpn/sessions'), []);
});

test('the helper path comes from initializationOptions only, never from workspace configuration', async (t) => {
  if (skipIf(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'kpn-evil-'));
  const marker = join(dir, 'ran');
  const evil = join(dir, 'evil-helper');
  writeFileSync(evil, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  chmodSync(evil, 0o755);
  try {
    const config = () => [{ helperPath: evil, elevation: 'none' }];
    const s = await server({ trusted: true }, (params) => params.items.map(config));
    await s.conn.sendNotification('workspace/didChangeConfiguration', { settings: { kpn: { attach: { helperPath: evil } } } });
    const info = await s.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'tracepoint' });
    assert.equal(info.attach, 'tracepoint');
    await s.conn.sendRequest('kpn/detachAll');
    assert.equal(existsSync(marker), false, 'the workspace-provided helper ran');

    // control: the same binary given as the machine-scoped path is what runs
    const m = await server({ trusted: true, helperPath: evil });
    await rejection(m.conn.sendRequest('kpn/attach', { target: 'syscalls:sys_enter_connect', type: 'tracepoint' }));
    assert.equal(existsSync(marker), true);
    assert.ok(helperPath.endsWith('kpn-bpf-helper'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tracepoint definitions and trace_* calls get an "attach tracepoint" CodeLens', async (t) => {
  if (skipIf(t)) return;
  const s = await server({ trusted: true });
  const sched = readFileSync(join(tree, 'include/trace/events/sched.h'), 'utf8');
  const defLine = sched.split('\n').findIndex((l) => l.startsWith('TRACE_EVENT(sched_process_exec,'));
  const lenses = await s.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: s.uri('include/trace/events/sched.h') } });
  const exec = lenses.find((l) => l.command?.title === 'attach tracepoint sched:sched_process_exec');
  assert.ok(exec, JSON.stringify(lenses.map((l) => l.command?.title).slice(0, 20)));
  assert.equal(exec.range.start.line, defLine);
  assert.deepEqual(exec.command.arguments, [{ target: 'sched:sched_process_exec', type: 'tracepoint', file: 'include/trace/events/sched.h', line: defLine + 1 }]);
  // DECLARE_EVENT_CLASS is a template, not an event
  assert.ok(!lenses.some((l) => /sched:sched_wakeup_template\b/.test(l.command?.title ?? '')));

  const tcp = readFileSync(join(tree, 'net/ipv4/tcp_ipv4.c'), 'utf8').split('\n');
  const callLine = tcp.findIndex((l) => /\btrace_tcp_destroy_sock\(sk\)/.test(l));
  const calls = await s.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: s.uri('net/ipv4/tcp_ipv4.c') } });
  const destroy = calls.find((l) => l.command?.title === 'attach tracepoint tcp:tcp_destroy_sock');
  assert.ok(destroy, 'lens on the trace_tcp_destroy_sock() call');
  assert.equal(destroy.range.start.line, callLine);
});
