// Verdicts through the real language server on the 6.1 subset, with Debian's 6.1 BTF as the
// build: hover headlines agree with BTF presence on every function of several large files,
// CodeLens offer the attach or the reason, `.bpf.c` files get diagnostics, and unreadable
// evidence is said once in the log and in the hover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { startServer } from '../support/lspClient.mjs';
import { debian61Vmlinux } from '../btf/fixtures.mjs';

const require = createRequire(import.meta.url);
const { Btf } = require('../../server/out/btf/btf.js');

const FILES = ['net/ipv4/tcp.c', 'net/ipv4/tcp_ipv4.c', 'net/ipv4/tcp_input.c', 'net/socket.c', 'net/core/dev.c', 'net/core/sock.c', 'kernel/sched/core.c', 'fs/ext4/inode.c', 'include/net/sock.h'];
const INIT = ['__init', '__exit', '__meminit', '__cpuinit'];

let tree, vmlinux, btf, server, cacheDir, scratch;
let skipReason;

before(async () => {
  tree = await ensureSubsetTree();
  if (tree.missing) { skipReason = tree.missing; return; }
  vmlinux = debian61Vmlinux();
  if (vmlinux.skip) { skipReason = vmlinux.skip; return; }
  btf = Btf.open(vmlinux);
  cacheDir = mkdtempSync(join(tmpdir(), 'kpn-stab-lsp-'));
  scratch = mkdtempSync(join(tmpdir(), 'kpn-stab-files-'));
  server = await startServer(tree.dir, { cacheDir, initializationOptions: { stability: { runningKernel: false, btf: vmlinux } } });
  const s = await server.ready;
  assert.equal(s.state, 'ready', server.logs.join('\n'));
});

after(async () => {
  await server?.stop();
  for (const d of [cacheDir, scratch]) if (d) rmSync(d, { recursive: true, force: true });
});

function skipped(t) {
  if (skipReason) { console.log(`# skipped: ${skipReason}`); t.skip(skipReason); return true; }
  return false;
}

const hover = (srv, rel, position) => srv.conn.sendRequest('textDocument/hover', { textDocument: { uri: srv.uri(rel) }, position });

/** Function symbols of a file with the position of their names. */
async function functionsOf(srv, rel) {
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  await srv.open(rel, text);
  const syms = await srv.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: srv.uri(rel) } });
  return syms.filter((s) => s.kind === 12).map((s) => ({ name: s.name, position: s.selectionRange.start }));
}

/** BTF presence, read here from the BTF itself; __init text is present but freed after boot. */
function btfSays(e) {
  if (e.syscall) return e.syscall.symbols.some((s) => btf.hasFunc(s));
  if (e.qualifiers.some((q) => INIT.includes(q))) return false;
  return btf.hasFunc(e.name);
}

test('hover headline agrees with Debian 6.1 BTF on every function of nine large files', async (t) => {
  if (skipped(t)) return;
  let checked = 0, attachable = 0, syscalls = 0;
  const wrong = [];
  for (const rel of FILES) {
    for (const fn of await functionsOf(server, rel)) {
      const h = await hover(server, rel, fn.position);
      const headline = h?.contents.value.split('\n')[0] ?? '';
      const [e] = await server.conn.sendRequest('kpn/explain', { name: fn.name });
      if (!e) continue;
      // A SYSCALL_DEFINE's symbol position is the macro name: it stands for the syscall's definition.
      if (e.syscall) syscalls++;
      if (!h) { wrong.push(`${fn.name} (${e.file}): no hover at its definition`); continue; }
      checked++;
      const says = /^\*\*attachable/.test(headline);
      if (says) attachable++;
      if (!/BTF of vmlinux-6\.1\.0-56/.test(headline)) wrong.push(`${fn.name}: headline does not name the BTF: ${headline}`);
      if (says !== btfSays(e)) wrong.push(`${fn.name} (${e.file}): ${headline} but BTF ${btfSays(e) ? 'has' : 'lacks'} it`);
    }
  }
  console.log(`# ${checked} hovers (${syscalls} at SYSCALL_DEFINE macros), ${attachable} attachable, ${wrong.length} disagreements`);
  assert.ok(checked > 1500, String(checked));
  assert.ok(syscalls > 10, `${syscalls} syscalls among the files`);
  assert.ok(attachable > 500 && attachable < checked);
  assert.deepEqual(wrong.slice(0, 20), []);
});

test('hover on a syscall name: attachable as __x64_sys_connect', async (t) => {
  if (skipped(t)) return;
  const rel = 'net/socket.c';
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  await server.open(rel, text);
  const i = text.indexOf('__sys_connect(fd, uservaddr, addrlen)');
  const line = text.slice(0, i).split('\n').length - 1;
  // Hover the call inside SYSCALL_DEFINE3(connect…): the __sys_connect helper; then ask for the syscall by symbol.
  const h = await hover(server, rel, { line, character: i - text.lastIndexOf('\n', i) + 2 });
  assert.match(h.contents.value.split('\n')[0], /^\*\*attachable/);
  const v = await server.conn.sendRequest('kpn/verdict', { name: '__x64_sys_connect' });
  assert.equal(v.verdict, 'syscall');
  assert.equal(v.attachAs, '__x64_sys_connect');
  assert.match(v.headline, /^attachable as __x64_sys_connect · stable interface: syscall connect · BTF of vmlinux-6\.1\.0-56$/);
});

test('hover on tcp_v4_connect: headline with tcp_prot.connect, BTF prototype as evidence', async (t) => {
  if (skipped(t)) return;
  const rel = 'net/ipv4/tcp_ipv4.c';
  const fn = (await functionsOf(server, rel)).find((f) => f.name === 'tcp_v4_connect');
  const md = (await hover(server, rel, fn.position)).contents.value;
  assert.match(md.split('\n')[0], /^\*\*attachable · stable interface: tcp\\_prot\.connect, tcpv6\\_prot\.connect/);
  assert.match(md, /- in BTF of \/.*\/vmlinux-6\.1\.0-56: `int tcp_v4_connect\(struct sock \*sk, struct sockaddr \*uaddr, int addr_len\)`/);
  assert.ok(md.indexOf('BTF of') < md.indexOf('```c'), 'verdict above the signature');
});

test('CodeLens: attach fentry where BTF has it, the reason and a caller where it does not', async (t) => {
  if (skipped(t)) return;
  const lenses = async (rel) => server.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: server.uri(rel) } });
  const ipv4 = await lenses('net/ipv4/tcp_ipv4.c');
  const attach = ipv4.find((l) => l.command?.command === 'kpn.attach' && l.command.arguments[0].target === 'tcp_v4_connect');
  assert.ok(attach, JSON.stringify(ipv4.slice(0, 5)));
  assert.equal(attach.command.title, 'attach fentry');
  assert.deepEqual(attach.command.arguments[0], { target: 'tcp_v4_connect', type: 'fentry', file: 'net/ipv4/tcp_ipv4.c', line: 211 });
  const tcp = await lenses('net/ipv4/tcp.c');
  const urg = tcp.find((l) => /^not attachable: inlined \(static inline; not in BTF of vmlinux-6\.1\.0-56\) — try tcp_push$/.test(l.command?.title ?? ''));
  assert.ok(urg, tcp.filter((l) => l.command.title.startsWith('not')).slice(0, 5).map((l) => l.command.title).join('\n'));
  assert.equal(urg.command.command, '');
});

test('.bpf.c diagnostics: errors on targets the build lacks, none on good ones', async (t) => {
  if (skipped(t)) return;
  const rel = 'probes.bpf.c';
  const text = [
    '#define SEC(n) __attribute__((section(n), used))',
    'SEC("kprobe/tcp_v4_connect") int good(void *ctx) { return 0; }',
    'SEC("kprobe/tcp_mark_urg") int inlined(void *ctx) { return 0; }',
    'SEC("fentry/kpn_no_such_function") int absent(void *ctx) { return 0; }',
    '// SEC("kprobe/commented_out")',
  ].join('\n');
  const got = new Promise((resolve) => server.conn.onNotification('textDocument/publishDiagnostics', (p) => { if (p.uri === server.uri(rel)) resolve(p); }));
  await server.open(rel, text);
  const d = await got;
  const byLine = Object.fromEntries(d.diagnostics.map((x) => [x.range.start.line, x]));
  assert.deepEqual(Object.keys(byLine).map(Number).sort(), [2, 3], JSON.stringify(d.diagnostics));
  assert.equal(byLine[2].severity, 1);
  assert.match(byLine[2].message, /^tcp_mark_urg: not attachable \(inlined\)\. not in BTF of .* Try: tcp_push/);
  assert.deepEqual(byLine[2].range.start, { line: 2, character: 5 });
  assert.match(byLine[3].message, /^kpn_no_such_function: not attachable \(absent\)/);
});

test('unreadable evidence: one log line, the hover says so and falls back to source heuristics', async (t) => {
  if (skipped(t)) return;
  const bad = join(scratch, 'truncated.btf');
  writeFileSync(bad, readFileSync('/sys/kernel/btf/vmlinux').subarray(0, 4096));
  const srv = await startServer(tree.dir, { cacheDir, initializationOptions: { stability: { runningKernel: false, btf: bad } } });
  try {
    assert.equal((await srv.ready).state, 'ready');
    const rel = 'net/ipv4/tcp_ipv4.c';
    const fn = (await functionsOf(srv, rel)).find((f) => f.name === 'tcp_v4_connect');
    const md = (await hover(srv, rel, fn.position)).contents.value;
    assert.match(md.split('\n')[0], /source heuristics\*\*$/);
    assert.match(md, /build evidence could not be read: .*truncated\.btf: type section .* runs past the end .*: truncated/);
    await hover(srv, rel, fn.position);
    const lines = srv.logs.filter((l) => l.includes('truncated.btf'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^stability: build evidence: /);
  } finally {
    await srv.stop();
  }
});
