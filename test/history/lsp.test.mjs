// History through the real language server on a git repository of real 6.1/6.12 files: the
// first hover starts the computation and says so without waiting, a later hover shows it,
// `kpn/history` returns the JSON, and `kpn.history.*` comes from workspace/configuration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../support/lspClient.mjs';
import { makeHistoryRepo, TREE_6_1 } from './repo.mjs';

let repo;
let server;
let cacheDir;
let settings = { otherTrees: [TREE_6_1] };
const configAsks = [];

before(async () => {
  repo = await makeHistoryRepo();
  if (repo.missing) return;
  cacheDir = mkdtempSync(join(tmpdir(), 'kpn-hist-lsp-'));
  server = await startServer(repo.dir, { cacheDir });
  server.conn.onRequest('workspace/configuration', ({ items }) => { configAsks.push(items); return items.map(() => settings); });
  const s = await server.ready;
  assert.equal(s.state, 'ready', server.logs.join('\n'));
});

after(async () => {
  await server?.stop();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  if (repo?.dir) rmSync(repo.dir, { recursive: true, force: true });
});

function skipIfMissing(t) {
  if (!repo.missing) return false;
  console.log(`# skipped: ${repo.missing}`);
  t.skip(repo.missing);
  return true;
}

const FILE = 'net/ipv4/tcp_ipv4.c';

function namePos(text, name) {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => /^[a-z]/.test(l) && l.includes(` ${name}(`) || l.includes(`*${name}(`));
  assert.ok(line >= 0, name);
  return { line, character: lines[line].indexOf(name) + 1 };
}

async function hover(text, name) {
  const h = await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: server.uri(FILE) }, position: namePos(text, name) });
  return h?.contents.value ?? '';
}

test('first hover says computing and does not wait; a later hover shows the history', async (t) => {
  if (skipIfMissing(t)) return;
  const text = readFileSync(join(repo.dir, FILE), 'utf8');
  await server.open(FILE, text);
  // The server asks for kpn.history once the index is ready; a hover before the answer shows nothing.
  for (let i = 0; i < 250 && configAsks.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const first = await hover(text, 'tcp_v4_send_reset');
  const firstMs = performance.now() - t0;
  assert.match(first, /static void tcp_v4_send_reset/);
  assert.match(first, /Prototype history: computing…/);
  console.log(`# first hover (history computing) ${firstMs.toFixed(1)} ms`);

  const r = await server.conn.sendRequest('kpn/history', { name: 'tcp_v4_send_reset' });
  assert.equal(r.file, FILE);
  assert.deepEqual(r.git.versions.map((v) => v.label), ['v6.1', 'v6.12']);
  assert.deepEqual(r.git.summary, ['parameter added in v6.12: `enum sk_rst_reason reason`']);
  assert.deepEqual(r.trees.map((e) => [e.label, e.changes]), [['6.1.192', ['parameter added since 6.1.192: `enum sk_rst_reason reason`']]]);
  assert.ok(configAsks.some((items) => items.some((i) => i.section === 'kpn.history')), 'settings asked with workspace/configuration');

  const later = await hover(text, 'tcp_v4_send_reset');
  assert.ok(later.includes('**Prototype history:**\n- parameter added in v6.12: `enum sk_rst_reason reason`\n- parameter added since 6.1.192: `enum sk_rst_reason reason`'), later);
  assert.doesNotMatch(later, /computing/);
});

test('hovers answer while histories compute in the background (latency printed, not asserted)', async (t) => {
  if (skipIfMissing(t)) return;
  const text = readFileSync(join(repo.dir, FILE), 'utf8');
  const names = [...text.matchAll(/^(?:static )?(?:[a-z_]+ )+\**([a-z_0-9]+)\(/gm)].map((m) => m[1]).slice(0, 60);
  assert.ok(names.length >= 40, `${names.length} definitions`);
  const ms = [];
  for (let round = 0; round < 3; round++) {
    for (const name of names) {
      const t0 = performance.now();
      await hover(text, name);
      ms.push(performance.now() - t0);
    }
  }
  ms.sort((a, b) => a - b);
  const p50 = ms[Math.floor(ms.length * 0.5)];
  const p99 = ms[Math.floor(ms.length * 0.99)];
  console.log(`# ${ms.length} hovers over ${names.length} functions while their histories compute: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);
  const connect = await server.conn.sendRequest('kpn/history', { name: 'tcp_v4_connect', file: FILE });
  assert.deepEqual(connect.git.summary, ['unchanged since v6.1']);
  assert.match(await hover(text, 'tcp_v4_connect'), /\n\n\*\*Prototype history:\*\* unchanged since v6\.1 · same prototype in 6\.1\.192$/);
});

/** The server's history process (a child whose command line names historyProcess.js). */
function historyChild() {
  const pid = server.proc.pid;
  let children = '';
  try { children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8'); } catch { return undefined; }
  return children.split(/\s+/).filter(Boolean).map(Number).find((c) => {
    try { return readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('historyProcess.js'); } catch { return false; }
  });
}

test('a crashed history process fails its pending histories with a message; the next request forks a new one', async (t) => {
  if (skipIfMissing(t)) return;
  const text = readFileSync(join(repo.dir, FILE), 'utf8');
  // Absent from the 6.1 tree's tcp_ipv4.c: a bounded grep over the real 6.1 tree's include/ and net/ (seconds).
  const pending = server.conn.sendRequest('kpn/history', { name: 'tcp_md5_key_copy' });
  await new Promise((r) => setTimeout(r, 300));
  const pid = historyChild();
  assert.ok(pid, 'history process running');
  process.kill(pid, 'SIGKILL');
  await assert.rejects(pending, /history of tcp_md5_key_copy: history process exited \(SIGKILL\)/);
  assert.match((await server.conn.sendRequest('textDocument/hover', { textDocument: { uri: server.uri(FILE) }, position: namePos(text, 'tcp_v4_connect') })).contents.value, /Prototype history/);
  const again = await server.conn.sendRequest('kpn/history', { name: 'tcp_md5_key_copy' });
  assert.deepEqual(again.git.summary, ['absent before v6.12']);
  assert.deepEqual(again.trees.map((e) => [e.label, e.state]), [['6.1.192', 'absent']]);
  assert.notEqual(historyChild(), pid);
});

test('a settings change clears the cache; bad values are logged and dropped; unknown names are errors', async (t) => {
  if (skipIfMissing(t)) return;
  settings = { otherTrees: ['relative/tree'], maxTags: 1 };
  await new Promise((r) => setTimeout(r, 3200)); // settings are re-read at most every 3 s
  const r = await server.conn.sendRequest('kpn/history', { name: 'tcp_v4_send_reset' });
  assert.deepEqual(r.git.versions.map((v) => v.label), ['v6.12']);
  assert.deepEqual(r.trees, []);
  assert.ok(server.logs.some((l) => l.includes('kpn.history.otherTrees: ignoring "relative/tree" (not an absolute path)')), server.logs.join('\n'));
  await assert.rejects(server.conn.sendRequest('kpn/history', { name: 'no_such_function_xyz' }), /no definition of no_such_function_xyz/);
  await assert.rejects(server.conn.sendRequest('kpn/history', {}), /expected \{ name, file\? \}/);
});

test('a tree that is not a git clone: no section and a log line; with other trees, only their comparison', async (t) => {
  if (skipIfMissing(t)) return;
  const plain = mkdtempSync(join(tmpdir(), 'kpn-hist-plain-'));
  let other;
  try {
    mkdirSync(join(plain, 'net/ipv4'), { recursive: true });
    copyFileSync(join(repo.dir, FILE), join(plain, FILE));
    copyFileSync(join(repo.dir, 'Makefile'), join(plain, 'Makefile'));
    const text = readFileSync(join(plain, FILE), 'utf8');
    for (const [otherTrees, expect] of [[[], undefined], [[TREE_6_1], '**Prototype history:** parameter added since 6.1.192: `enum sk_rst_reason reason`']]) {
      other = await startServer(plain, { cacheDir: join(plain, '.kpn-cache') });
      let asked = false;
      other.conn.onRequest('workspace/configuration', ({ items }) => { asked = true; return items.map(() => ({ otherTrees })); });
      assert.equal((await other.ready).state, 'ready');
      await other.open(FILE, text);
      for (let i = 0; i < 250 && !asked; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const ask = () => other.conn.sendRequest('textDocument/hover', { textDocument: { uri: other.uri(FILE) }, position: namePos(text, 'tcp_v4_send_reset') });
      const first = (await ask()).contents.value;
      assert.match(first, /static void tcp_v4_send_reset/);
      if (!expect) {
        assert.doesNotMatch(first, /Prototype history/);
        assert.ok(other.logs.some((l) => /history: no git tags for .*not a git repository/.test(l)), other.logs.join('\n'));
        const r = await other.conn.sendRequest('kpn/history', { name: 'tcp_v4_send_reset' });
        assert.equal(r.git.state, 'unavailable');
      } else {
        assert.match(first, /Prototype history: computing…/);
        await other.conn.sendRequest('kpn/history', { name: 'tcp_v4_send_reset' });
        assert.ok((await ask()).contents.value.endsWith(expect));
      }
      await other.stop();
      other = undefined;
    }
  } finally {
    await other?.stop();
    rmSync(plain, { recursive: true, force: true });
  }
});
