// The real language server over stdio on the 6.1 subset: hover, definition, references,
// symbols and CodeLens as an editor asks for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSubsetServer, stopSubsetServer } from '../support/lspClient.mjs';
import { skipWithoutTree } from '../e2e/trees.mjs';

let tree;
let server;
let scratch;

before(async () => { ({ tree, server, scratch } = await startSubsetServer('kpn-lsp-')); });
after(() => stopSubsetServer({ server, scratch }));

function pos(text, needle, offsetInNeedle = 0) {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i + offsetInNeedle);
  const line = before.split('\n').length - 1;
  return { line, character: i + offsetInNeedle - before.lastIndexOf('\n') - 1 };
}

test('status reports the kernel version and counts', (t) => {
  if (skipWithoutTree(tree, t)) return;
  const s = server.statuses.at(-1);
  assert.equal(s.kernelVersion, '6.1.192');
  assert.ok(s.functions > 10000, String(s.functions));
  assert.ok(server.statuses.some((x) => x.state === 'indexing' && x.total > 0), 'progress was reported');
});

test('hover on tcp_v4_connect shows its ops membership with a link', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const rel = 'net/ipv4/tcp_ipv4.c';
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  await server.open(rel, text);
  const h = await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: server.uri(rel) }, position: pos(text, 'int tcp_v4_connect(', 6) });
  const md = h.contents.value;
  assert.match(md, /int tcp_v4_connect\(struct sock \*sk, struct sockaddr \*uaddr, int addr_len\)/);
  assert.match(md, /`tcp_prot\.connect` \(struct proto\)/);
  assert.match(md, /\[net\/ipv4\/tcp_ipv4\.c:3219\]\(file:\/\/.*tcp_ipv4\.c#L3219\)/);
  assert.match(md, /exported \(EXPORT_SYMBOL\)/);
});

test('go to definition from a call site, and from a called field to its implementations', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const rel = 'net/ipv6/tcp_ipv6.c';
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  await server.open(rel, text);
  const defs = await server.conn.sendRequest('textDocument/definition', { textDocument: { uri: server.uri(rel) }, position: pos(text, 'err = tcp_v4_connect(', 8) });
  assert.equal(defs.length, 1);
  assert.ok(defs[0].uri.endsWith('net/ipv4/tcp_ipv4.c'));
  assert.equal(defs[0].range.start.line, 210);

  const af = 'net/ipv4/af_inet.c';
  const afText = readFileSync(join(tree.dir, af), 'utf8');
  await server.open(af, afText);
  const impls = await server.conn.sendRequest('textDocument/definition', { textDocument: { uri: server.uri(af) }, position: pos(afText, 'sk->sk_prot->connect(', 14) });
  const files = impls.map((l) => l.uri.replace(/^.*linux-6\.1-subset\//, '') + ':' + (l.range.start.line + 1));
  assert.ok(files.includes('net/ipv4/tcp_ipv4.c:211'), files.join(' '));
  assert.ok(files.includes('net/ipv6/tcp_ipv6.c:140'), files.join(' '));
});

test('references list call sites and ops registrations', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const rel = 'net/ipv4/tcp_ipv4.c';
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  const refs = await server.conn.sendRequest('textDocument/references', { textDocument: { uri: server.uri(rel) }, position: pos(text, 'int tcp_v4_connect(', 6), context: { includeDeclaration: false } });
  const where = refs.map((l) => l.uri.replace(/^.*linux-6\.1-subset\//, '') + ':' + (l.range.start.line + 1)).sort();
  assert.deepEqual(where, ['net/ipv4/tcp_ipv4.c:3219', 'net/ipv6/tcp_ipv6.c:245']);
});

test('workspace symbols: fuzzy, exact match first', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const hits = await server.conn.sendRequest('workspace/symbol', { query: 'tcp_v4_connect' });
  assert.equal(hits[0].name, 'tcp_v4_connect');
  const fuzzy = await server.conn.sendRequest('workspace/symbol', { query: 'tcpv4conn' });
  assert.ok(fuzzy.some((h) => h.name === 'tcp_v4_connect'), fuzzy.slice(0, 10).map((h) => h.name).join(' '));
  const inst = await server.conn.sendRequest('workspace/symbol', { query: 'tcp_prot' });
  assert.ok(inst.some((h) => h.name === 'tcp_prot' && h.containerName === 'struct proto'));
});

test('document symbols and the ops CodeLens', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const rel = 'net/ipv4/tcp_ipv4.c';
  const syms = await server.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: server.uri(rel) } });
  assert.ok(syms.some((s) => s.name === 'tcp_v4_connect' && s.selectionRange.start.line === 210));
  assert.ok(syms.some((s) => s.name === 'tcp_prot' && s.detail === 'struct proto'));
  const lenses = await server.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: server.uri(rel) } });
  // The stability area puts its own lens ("attach …") on the same line.
  const lens = lenses.find((l) => l.range.start.line === 210 && l.command.command === 'kpn.showOpsRegistrations');
  assert.equal(lens.command.title, '1 ops registration: tcp_prot.connect');
  assert.ok(lenses.some((l) => l.range.start.line === 210 && l.command.command === 'kpn.attach'), 'stability lens above tcp_v4_connect');
  assert.equal(lens.command.arguments[0][0].range.start.line, 3218);
});

test('an edit is indexed without saving', async (t) => {
  if (skipWithoutTree(tree, t)) return;
  const rel = 'net/ipv4/tcp_ipv4.c';
  const uri = server.uri(rel);
  const text = readFileSync(join(tree.dir, rel), 'utf8');
  const edited = text.replace('int tcp_v4_connect(', 'int tcp_v4_connect_renamed(');
  server.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
  let hits = [];
  for (let i = 0; i < 50 && !hits.some((h) => h.name === 'tcp_v4_connect_renamed'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    hits = await server.conn.sendRequest('workspace/symbol', { query: 'tcp_v4_connect_renamed' });
  }
  assert.ok(hits.some((h) => h.name === 'tcp_v4_connect_renamed'));
  server.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
});
