// Prototype history over a real git repository built from the real 6.1 and 6.12 versions of
// net/ipv4/tcp_ipv4.c, net/ipv4/tcp.c, net/socket.c and include/net/tcp.h. The expected findings
// were checked by hand with `diff` of the two versions of each file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeHistoryRepo, TREE_6_1, TREE_6_12 } from './repo.mjs';

const require = createRequire(import.meta.url);
const { computeHistory } = require('../../server/out/history/compute.js');
const { prototypesIn } = require('../../server/out/history/prototypes.js');
const { readSettings } = require('../../server/out/history/settings.js');
const { historyMarkdown } = require('../../server/out/history/summary.js');

let repo;

before(async () => { repo = await makeHistoryRepo(); });
after(() => { if (repo?.dir) rmSync(repo.dir, { recursive: true, force: true }); });

/** `make kernelversion`: the tree's version as its Makefile computes it. */
async function kernelVersion(tree) {
  const { stdout } = await promisify(execFile)('make', ['-s', '-C', tree, 'kernelversion']);
  return stdout.trim();
}

function skipIfMissing(t) {
  if (!repo.missing) return false;
  console.log(`# skipped: ${repo.missing}`);
  t.skip(repo.missing);
  return true;
}

/** The workspace's own definition, read by the indexer's extraction from the working tree. */
function current(file, name) {
  const p = prototypesIn(file, readFileSync(join(repo.dir, file), 'utf8'), name);
  assert.ok(p.length > 0, `${name} in ${file}`);
  return p[0];
}

function history(name, file, extra = {}) {
  return computeHistory({ root: repo.dir, name, current: current(file, name), tags: [], maxTags: 8, otherTrees: [], ...extra });
}

test('release tags reachable from HEAD, oldest first; rc, stable and side-branch tags ignored', async (t) => {
  if (skipIfMissing(t)) return;
  const r = await history('tcp_v4_connect', 'net/ipv4/tcp_ipv4.c');
  assert.equal(r.git.state, 'ok');
  assert.deepEqual(r.git.versions.map((v) => v.label), ['v6.1', 'v6.12']);
  assert.deepEqual(r.git.summary, ['unchanged since v6.1']);
  assert.equal(historyMarkdown(r), '**Prototype history:** unchanged since v6.1');
});

test('prototype changes between v6.1 and v6.12, as diff shows them', async (t) => {
  if (skipIfMissing(t)) return;
  const cases = [
    ['tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', ['parameter added in v6.12: `enum sk_rst_reason reason`']],
    ['tcp_md5_do_add', 'net/ipv4/tcp_ipv4.c', ['parameter removed in v6.12: `gfp_t gfp`']],
    ['tcp_v4_route_req', 'net/ipv4/tcp_ipv4.c', ['parameter added in v6.12: `u32 tw_isn`']],
    ['tcp_stream_alloc_skb', 'net/ipv4/tcp.c', ['parameter removed in v6.12: `int size`']],
    ['tcp_ioctl', 'net/ipv4/tcp.c', ['parameter type changed in v6.12: 3: `unsigned long arg` → `int *karg`']],
    ['tcp_sock_set_user_timeout', 'net/ipv4/tcp.c', ['changed in v6.12: return type changed `void` → `int`; parameter type changed 2: `u32 val` → `int val`']],
    ['sockfs_setattr', 'net/socket.c', ['parameter type changed in v6.12: 1: `struct user_namespace *mnt_userns` → `struct mnt_idmap *idmap`']],
    ['do_accept', 'net/socket.c', ['parameter type changed in v6.12: 2: `unsigned file_flags` → `struct proto_accept_arg *arg`']],
    ['tcp_md5_key_copy', 'net/ipv4/tcp_ipv4.c', ['absent before v6.12']],
    ['tcp_v4_connect', 'net/ipv4/tcp_ipv4.c', ['unchanged since v6.1']],
    ['tcp_recvmsg', 'net/ipv4/tcp.c', ['unchanged since v6.1']],
  ];
  for (const [name, file, summary] of cases) {
    const r = await history(name, file);
    assert.deepEqual(r.git.summary, summary, name);
  }
});

test('a syscall is found by its SYSCALL_DEFINE macro', async (t) => {
  if (skipIfMissing(t)) return;
  const r = await history('sys_connect', 'net/socket.c', { syscall: { name: 'connect', compat: false } });
  assert.deepEqual(r.git.versions.map((v) => [v.label, v.state, v.prototype?.file]), [['v6.1', 'present', 'net/socket.c'], ['v6.12', 'present', 'net/socket.c']]);
  assert.deepEqual(r.git.summary, ['unchanged since v6.1']);
});

test('a function that moved files between tags is found by a bounded git grep at that tag', async (t) => {
  if (skipIfMissing(t)) return;
  // 6.1: `static inline bool tcp_out_of_memory(struct sock *sk)` in include/net/tcp.h;
  // 6.12: `static bool tcp_out_of_memory(const struct sock *sk)` in net/ipv4/tcp.c (const is no change).
  const r = await history('tcp_out_of_memory', 'net/ipv4/tcp.c');
  assert.deepEqual(r.git.versions.map((v) => [v.label, v.prototype?.file, v.prototype?.line]), [['v6.1', 'include/net/tcp.h', 292], ['v6.12', 'net/ipv4/tcp.c', 3043]]);
  assert.deepEqual(r.git.summary, ['unchanged since v6.1', 'moved in v6.12: include/net/tcp.h → net/ipv4/tcp.c']);
});

test('an edit in the working tree shows as a change after the last tag', async (t) => {
  if (skipIfMissing(t)) return;
  const file = 'net/ipv4/tcp_ipv4.c';
  const original = readFileSync(join(repo.dir, file), 'utf8');
  const edited = original.replace('int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)', 'int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len, int flags)');
  assert.notEqual(edited, original, 'the 6.12 text has the prototype on one line');
  const cur = prototypesIn(file, edited, 'tcp_v4_connect')[0];
  const r = await computeHistory({ root: repo.dir, name: 'tcp_v4_connect', current: cur, tags: [], maxTags: 8, otherTrees: [] });
  assert.deepEqual(r.git.summary, ['parameter added in the working tree: `int flags`']);
});

test('explicit tags and maxTags', async (t) => {
  if (skipIfMissing(t)) return;
  const one = await history('tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', { maxTags: 1 });
  assert.deepEqual(one.git.versions.map((v) => v.label), ['v6.12']);
  assert.deepEqual(one.git.summary, ['unchanged since v6.12']);
  const explicit = await history('tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', { tags: ['v6.1', 'v9.9'] });
  assert.deepEqual(explicit.git.versions.map((v) => [v.label, v.state, v.reason]), [['v6.1', 'present', undefined], ['v9.9', 'error', 'no such tag']]);
  assert.deepEqual(explicit.git.summary, ['v9.9: not read (no such tag)', 'parameter added in the working tree: `enum sk_rst_reason reason`']);
});

test('other trees: the real 6.1 and 6.12 trees side by side, labelled by their Makefile version', async (t) => {
  if (skipIfMissing(t)) return;
  // Debian moves the 6.12 package to each new stable release: the label is what the kernel's own
  // build says of the installed tree, not a number written here.
  for (const tree of [TREE_6_1, TREE_6_12]) {
    if (!existsSync(join(tree, 'Makefile'))) { console.log(`# skipped: ${tree} not extracted`); t.skip(`${tree} not extracted`); return; }
  }
  const [v61, v612] = [await kernelVersion(TREE_6_1), await kernelVersion(TREE_6_12)];
  const r = await history('tcp_v4_send_reset', 'net/ipv4/tcp_ipv4.c', { otherTrees: [TREE_6_1, TREE_6_12] });
  assert.deepEqual(r.trees.map((e) => [e.label, e.ref, e.state, e.changes]), [
    [v61, TREE_6_1, 'present', [`parameter added since ${v61}: \`enum sk_rst_reason reason\``]],
    [v612, TREE_6_12, 'present', []],
  ]);
  assert.equal(historyMarkdown(r), [
    '**Prototype history:**',
    '- parameter added in v6.12: `enum sk_rst_reason reason`',
    `- parameter added since ${v61}: \`enum sk_rst_reason reason\``,
    `- same prototype in ${v612}`,
  ].join('\n'));
  // Found outside its path in the 6.1 tree by the bounded search (include/ and net/).
  const moved = await history('tcp_out_of_memory', 'net/ipv4/tcp.c', { otherTrees: [TREE_6_1] });
  assert.deepEqual(moved.trees.map((e) => [e.state, e.prototype?.file, e.changes]), [['present', 'include/net/tcp.h', []]]);
  // Seen from a 6.1 workspace, the newer tree is where the parameter was added.
  const old = await computeHistory({ root: TREE_6_1, name: 'tcp_v4_send_reset', current: prototypesIn('net/ipv4/tcp_ipv4.c', readFileSync(join(TREE_6_1, 'net/ipv4/tcp_ipv4.c'), 'utf8'), 'tcp_v4_send_reset')[0], tags: [], maxTags: 8, otherTrees: [TREE_6_12] });
  assert.deepEqual(old.trees[0].changes, [`parameter added in ${v612}: \`enum sk_rst_reason reason\``]);
  assert.equal(old.git.state, 'unavailable');
});

test('errors are messages: missing tree, a file, not a git repository, git not installed', async (t) => {
  if (skipIfMissing(t)) return;
  const plain = mkdtempSync(join(tmpdir(), 'kpn-nogit-'));
  try {
    writeFileSync(join(plain, 'a.c'), 'int f(int x)\n{\n\treturn x;\n}\n');
    const cur = prototypesIn('a.c', readFileSync(join(plain, 'a.c'), 'utf8'), 'f')[0];
    const r = await computeHistory({ root: plain, name: 'f', current: cur, tags: [], maxTags: 8, otherTrees: [join(plain, 'nope'), join(plain, 'a.c'), plain] });
    assert.equal(r.git.state, 'unavailable');
    assert.match(r.git.reason, /not a git repository/);
    assert.deepEqual(r.trees.map((e) => [e.state, e.reason]), [['error', 'does not exist'], ['error', 'not a directory'], ['error', 'is the workspace itself']]);
    assert.equal(historyMarkdown(r).split('\n').length, 4);

    const problems = [];
    const s = readSettings({ maxTags: 0, tags: ['--output=/tmp/x', 'v6.1'], otherTrees: ['relative/tree', TREE_6_1] }, problems);
    assert.deepEqual([s.maxTags, s.tags, s.otherTrees], [8, ['v6.1'], [TREE_6_1]]);
    assert.equal(problems.length, 3);

    // git absent from PATH: the same computation in a process that cannot find it.
    const script = `const { computeHistory } = require(${JSON.stringify(require.resolve('../../server/out/history/compute.js'))});
      computeHistory(JSON.parse(process.argv[1])).then((r) => console.log(JSON.stringify(r.git)));`;
    const req = { root: repo.dir, name: 'f', current: cur, tags: [], maxTags: 8, otherTrees: [] };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(req)], { env: { PATH: '/nonexistent' } });
    assert.deepEqual(JSON.parse(stdout), { state: 'unavailable', versions: [], summary: [], reason: 'git is not installed (not found on PATH)' });
  } finally {
    rmSync(plain, { recursive: true, force: true });
  }
});
