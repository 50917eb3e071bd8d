// The trace requests through the real language server on the 6.1 subset: import with progress
// and Cancel, hover section, CodeLens, heat, explorer, candidates, flame data, document links
// in ftrace text, and "Trace this command" on this machine's kernel (events fallback here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node.js';
import { startServer, startSubsetServer, stopSubsetServer } from '../support/lspClient.mjs';
import { skipWithoutTree } from '../e2e/trees.mjs';
import { ownFixture } from './support.mjs';

const PING = ownFixture('tcr-funcgraph-ping-sendto.txt');
let tree;
let server;
let scratch;

before(async () => { ({ tree, server, scratch } = await startSubsetServer('kpn-trace-lsp-')); });
after(() => stopSubsetServer({ server, scratch }));

function pos(text, needle, offset = 0) {
  const i = text.indexOf(needle) + offset;
  const before = text.slice(0, i);
  return { line: before.split('\n').length - 1, character: i - before.lastIndexOf('\n') - 1 };
}

test('before any import: no trace, no lenses or heat from it, explorer empty', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  assert.equal(await server.conn.sendRequest('kpn/trace/status'), null);
  assert.deepEqual(await server.conn.sendRequest('kpn/trace/children', {}), []);
  assert.equal(await server.conn.sendRequest('kpn/trace/flame'), null);
});

test('import a real report: summary, changed notification, hover section and CodeLens on net/ipv4/ping.c', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const changed = new Promise((resolve) => server.conn.onNotification('kpn/trace/changed', resolve));
  const s = await server.conn.sendRequest('kpn/trace/import', { path: PING });
  assert.equal(s.format, 'trace-cmd-report');
  assert.equal(s.functions, 29);
  assert.equal(s.syscalls, 1);
  assert.equal((await changed).source, PING);
  const rel = 'net/ipv4/ping.c';
  const text = fs.readFileSync(join(tree.dir, rel), 'utf8');
  await server.open(rel, text);
  const h = await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: server.uri(rel) }, position: pos(text, 'int ping_v4_sendmsg(', 6) });
  assert.match(h.contents.value, /\*\*Trace\*\* \(tcr-funcgraph-ping-sendto\.txt\): 1 call · 76\.1 µs/);
  const lenses = await server.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: server.uri(rel) } });
  const defLine = pos(text, 'int ping_v4_sendmsg(').line;
  const lens = lenses.find((l) => l.range.start.line === defLine && /call/.test(l.command.title));
  assert.equal(lens?.command.title, '1 call · 76.1 µs');
  assert.ok(lenses.some((l) => /^not seen: inlined or not called \(callers seen: ping_v4_sendmsg\)$/.test(l.command.title)), JSON.stringify(lenses.map((l) => l.command.title)));
  // The ops lens of the index area is still there next to the trace lens.
  assert.ok(lenses.some((l) => /ops registration/.test(l.command.title)));
  const heat = await server.conn.sendRequest('kpn/trace/fileHeat', { uri: server.uri(rel) });
  assert.deepEqual(heat.map((m) => [m.name, m.kind]).sort(), [['ping_common_sendmsg', 'traced'], ['ping_v4_push_pending_frames', 'notSeen'], ['ping_v4_sendmsg', 'traced']]);
});

test('explorer, candidates, flame and locate answer with locations in the tree', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const [sys] = await server.conn.sendRequest('kpn/trace/children', { parent: { kind: 'group', name: 'syscalls' } });
  assert.equal(sys.name, 'sendto');
  assert.match(sys.location.uri, /net\/socket\.c$/);
  const [entry] = await server.conn.sendRequest('kpn/trace/children', { parent: sys });
  assert.equal(entry.name, '__x64_sys_sendto');
  const cands = await server.conn.sendRequest('kpn/trace/candidates', { syscall: 'sendto', limit: 3 });
  assert.equal(cands.length, 3);
  assert.equal(cands[0].name, 'ping_v4_sendmsg');
  assert.match(cands[0].location.uri, /net\/ipv4\/ping\.c$/);
  assert.match(cands[0].signature, /int ping_v4_sendmsg\(struct sock \*sk/);
  const flame = await server.conn.sendRequest('kpn/trace/flame');
  assert.equal(flame.root.children[0].name, '__x64_sys_sendto');
  const loc = await server.conn.sendRequest('kpn/trace/locate', { name: 'move_addr_to_kernel.part.0' });
  assert.match(loc.uri, /net\/socket\.c$/);
  assert.equal(await server.conn.sendRequest('kpn/trace/locate', { name: 'no_such_function_here' }), null);
});

test('document links in an ftrace document lead to the definitions', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const uri = 'file://' + PING;
  server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ftrace', version: 1, text: fs.readFileSync(PING, 'latin1') } });
  const links = await server.conn.sendRequest('textDocument/documentLink', { textDocument: { uri } });
  const ping = links.find((l) => /ping\.c#L\d+,\d+$/.test(l.target));
  assert.ok(ping, JSON.stringify(links.slice(0, 3)));
  const text = fs.readFileSync(join(tree.dir, 'net/ipv4/ping.c'), 'utf8');
  assert.equal(Number(/#L(\d+)/.exec(ping.target)[1]), pos(text, 'int ping_v4_sendmsg(').line + 1);
  assert.ok(links.length >= 15, String(links.length));
});

test('bad input: a missing file and a non-trace file fail with a clear message; the server stays up', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  await assert.rejects(server.conn.sendRequest('kpn/trace/import', { path: join(scratch, 'nope.dat') }), /ENOENT/);
  const junk = join(scratch, 'junk.txt');
  fs.writeFileSync(junk, 'hello\nthis is not a trace\n');
  await assert.rejects(server.conn.sendRequest('kpn/trace/import', { path: junk }), /line 1: not ftrace text/);
  // The earlier trace is still the loaded one.
  assert.equal((await server.conn.sendRequest('kpn/trace/status')).source, PING);
  await assert.rejects(server.conn.sendRequest('kpn/trace/run', { command: 'ls | wc' }), /`\|` at column 4/);
});

test('import reports work-done progress and stops on Cancel', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const big = join(scratch, 'big.txt');
  const chunk = fs.readFileSync(PING, 'latin1').split('\n').filter((l) => l.includes('ping-327643')).join('\n') + '\n';
  // Large enough that the import is still running when the cancel arrives, even on a loaded machine
  // (at 48 MB it sometimes finished first: the import takes ~0.4 s).
  fs.writeFileSync(big, chunk.repeat(Math.ceil((192 << 20) / chunk.length)));
  const cts = new CancellationTokenSource();
  const reports = [];
  server.conn.onNotification('$/progress', (p) => {
    reports.push(p.value);
    if (p.value.kind === 'report') cts.cancel();
  });
  await assert.rejects(server.conn.sendRequest('kpn/trace/import', { path: big }, cts.token), (e) => e.code === -32800 || /cancel/i.test(e.message));
  assert.equal(reports[0].kind, 'begin');
  assert.equal(reports[0].cancellable, true);
  assert.ok(reports.some((r) => r.kind === 'report' && /MB/.test(r.message)), JSON.stringify(reports));
  assert.ok(reports.some((r) => r.kind === 'end'));
  assert.equal((await server.conn.sendRequest('kpn/trace/status')).source, PING, 'a cancelled import leaves the previous trace');
});

test('Trace this command on ls: this kernel refuses the function tracers, so events are recorded and imported', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  if (process.getuid?.() !== 0 || !fs.existsSync('/sys/kernel/tracing')) {
    const why = 'recording needs root and tracefs';
    console.log(`# skipped: ${why}`); t.skip(why); return;
  }
  const s = await server.conn.sendRequest('kpn/trace/run', { command: 'ls /' });
  assert.equal(s.source, 'command: ls /');
  assert.equal(s.recording.commandExitCode, 0);
  const tracers = fs.readFileSync('/sys/kernel/tracing/available_tracers', 'utf8');
  if (!/function_graph/.test(tracers)) {
    assert.equal(s.recording.method, 'events');
    assert.match(s.recording.messages.join('\n'), /function_graph tracer unavailable: not in available_tracers/);
    assert.match(s.recording.messages.join('\n'), /falling back to tracepoint events/);
    assert.ok(s.content.events && !s.content.functionGraph);
    const [group] = (await server.conn.sendRequest('kpn/trace/children', {})).filter((n) => n.name === 'syscalls');
    const syscalls = await server.conn.sendRequest('kpn/trace/children', { parent: group });
    assert.ok(syscalls.some((n) => n.name === 'execve' || n.name === 'openat'), JSON.stringify(syscalls.map((n) => n.name)));
    const flame = await server.conn.sendRequest('kpn/trace/flame');
    assert.ok(flame.root.children.some((c) => /^syscall /.test(c.name)));
  }
});

test('an untrusted workspace refuses Trace this command', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const untrusted = await startServer(tree.dir, { cacheDir: join(scratch, 'cache'), initializationOptions: { trusted: false } });
  try {
    await assert.rejects(untrusted.conn.sendRequest('kpn/trace/run', { command: 'ls' }), /not trusted/);
    // Importing a file runs nothing and stays allowed.
    const s = await untrusted.conn.sendRequest('kpn/trace/import', { path: PING });
    assert.equal(s.functions, 29);
  } finally {
    await untrusted.stop();
  }
});
