// `kpn history` on the git repository of real 6.1/6.12 files: with --file (one parse), through
// the index (--cache), JSON and text, and the exit codes for not found and bad usage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeHistoryRepo, TREE_6_1 } from './repo.mjs';

const KPN = fileURLToPath(new URL('../../server/out/cli/kpn.js', import.meta.url));
let repo;
let cacheDir;

before(async () => {
  repo = await makeHistoryRepo();
  cacheDir = mkdtempSync(join(tmpdir(), 'kpn-hist-cli-'));
});
after(() => {
  if (repo?.dir) rmSync(repo.dir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

function kpn(...args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [KPN, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

function skipIfMissing(t) {
  if (!repo.missing) return false;
  console.log(`# skipped: ${repo.missing}`);
  t.skip(repo.missing);
  return true;
}

test('kpn history --file --json: tags and another tree', async (t) => {
  if (skipIfMissing(t)) return;
  const r = await kpn('history', 'tcp_md5_do_add', '--tree', repo.dir, '--file', 'net/ipv4/tcp_ipv4.c', '--other-trees', TREE_6_1, '--json');
  assert.equal(r.code, 0, r.stderr);
  const h = JSON.parse(r.stdout);
  assert.deepEqual(h.git.summary, ['parameter removed in v6.12: `gfp_t gfp`']);
  assert.deepEqual(h.git.versions.map((v) => [v.label, v.prototype.params.length]), [['v6.1', 9], ['v6.12', 8]]);
  assert.deepEqual(h.trees.map((e) => [e.label, e.changes]), [['6.1.192', ['parameter removed since 6.1.192: `gfp_t gfp`']]]);
});

test('kpn history through the index (a syscall), text output', async (t) => {
  if (skipIfMissing(t)) return;
  const r = await kpn('history', 'sys_connect', '--tree', repo.dir, '--cache', cacheDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^SYSCALL_DEFINE3\(connect, /);
  assert.match(r.stdout, /\n {2}defined at net\/socket\.c:\d+\ngit tags:\n {2}unchanged since v6\.1\n {4}v6\.1 +net\/socket\.c:\d+ {2}SYSCALL_DEFINE3/);
});

test('kpn history: not found is 1, bad usage is 2', async (t) => {
  if (skipIfMissing(t)) return;
  const missing = await kpn('history', 'no_such_fn', '--tree', repo.dir, '--file', 'net/socket.c');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no function named no_such_fn in net\/socket\.c/);
  const badTag = await kpn('history', 'tcp_v4_connect', '--tree', repo.dir, '--tags', '--upload-pack=x');
  assert.equal(badTag.code, 2);
  assert.match(badTag.stderr, /ignoring "--upload-pack=x" \(not a tag name\)/);
  const relTree = await kpn('history', 'tcp_v4_connect', '--tree', repo.dir, '--file', '../x.c');
  assert.equal(relTree.code, 2);
  assert.match(relTree.stderr, /outside the tree/);
  const noTree = await kpn('history', 'tcp_v4_connect');
  assert.equal(noTree.code, 2);
});
