// `kpn index|explain|ops` as a shell user runs them: the real CLI process on the 6.1 subset, its
// documented JSON (README "kpn explain NAME --json"), exit codes. Lines were read by hand with
// grep in the extracted tree (same as kernelFacts.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSubsetTree, skipWithoutTree } from '../e2e/trees.mjs';

const KPN = fileURLToPath(new URL('../../server/out/cli/kpn.js', import.meta.url));

function kpn(args, cwd) {
  return new Promise((resolve) => {
    execFile(process.execPath, [KPN, ...args], { maxBuffer: 1 << 26, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}

test('kpn index/explain/ops: documented JSON from a cold index, then from its cache', async (t) => {
  const tree = await ensureSubsetTree();
  if (skipWithoutTree(tree, t)) return;
  const cache = mkdtempSync(join(tmpdir(), 'kpn-cli-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));

  const index = await kpn(['index', tree.dir, '--cache', cache, '--json']);
  assert.equal(index.code, 0, index.stderr);
  const summary = JSON.parse(index.stdout);
  assert.equal(summary.kernelVersion, '6.1.192');
  assert.equal(summary.isKernelTree, true);
  assert.equal(summary.reused, 0);
  for (const k of ['files', 'parsedFiles', 'functions', 'syscalls', 'exports', 'opsAssignments', 'calls', 'indirectCalls', 'tracepoints']) {
    assert.ok(Number.isInteger(summary[k]) && summary[k] > 0, `${k}: ${summary[k]}`);
  }
  assert.ok(Array.isArray(summary.skipped));

  await t.test('explain --json: one object with the documented fields', async () => {
    const r = await kpn(['explain', 'tcp_v4_connect', '--tree', tree.dir, '--cache', cache, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    // grep -n '^int tcp_v4_connect' net/ipv4/tcp_ipv4.c → 211; '.connect\s*= tcp_v4_connect' → 3219
    assert.equal(e.name, 'tcp_v4_connect');
    assert.equal(e.file, 'net/ipv4/tcp_ipv4.c');
    assert.equal(e.line, 211);
    assert.equal(e.signature, 'int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)');
    assert.equal(e.static, false);
    assert.equal(e.inline, false);
    assert.equal(e.exported, 'EXPORT_SYMBOL');
    assert.equal(e.syscall, null);
    assert.deepEqual(e.ops, [{ instance: 'tcp_prot', struct: 'proto', field: 'connect', file: 'net/ipv4/tcp_ipv4.c', line: 3219 }]);
    assert.ok(Number.isInteger(e.callers) && e.callers >= 1);
    assert.ok(Array.isArray(e.qualifiers) && Array.isArray(e.tracepoints) && Array.isArray(e.otherDefinitions));
  });

  await t.test('explain resolves a trace symbol to its SYSCALL_DEFINE', async () => {
    const r = await kpn(['explain', '__x64_sys_connect', '--tree', tree.dir, '--cache', cache, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.query, '__x64_sys_connect');
    assert.equal(e.file, 'net/socket.c');
    assert.equal(e.line, 2035); // grep -n 'SYSCALL_DEFINE3(connect' net/socket.c
    assert.deepEqual(e.syscall, { name: 'connect', nargs: 3, compat: false, symbols: ['__x64_sys_connect', '__ia32_sys_connect', '__se_sys_connect', '__do_sys_connect'] });
    const text = await kpn(['explain', '__x64_sys_connect', '--tree', tree.dir, '--cache', cache]);
    assert.match(text.stdout, /syscall connect\/3: __x64_sys_connect/);
  });

  await t.test('ops: an instance, a struct type, a function, and none', async () => {
    const inst = JSON.parse((await kpn(['ops', 'tcp_prot', '--tree', tree.dir, '--cache', cache, '--json'])).stdout);
    assert.equal(inst.kind, 'instance');
    assert.ok(inst.ops.some((o) => o.field === 'connect' && o.fn === 'tcp_v4_connect' && o.line === 3219), JSON.stringify(inst.ops.slice(0, 3)));
    const fn = JSON.parse((await kpn(['ops', 'tcp_v6_connect', '--tree', tree.dir, '--cache', cache, '--json'])).stdout);
    assert.equal(fn.kind, 'function');
    // net/ipv6/tcp_ipv6.c: '.connect = tcp_v6_connect' at 2128
    assert.deepEqual(fn.ops.map((o) => [o.instance, o.struct, o.field, o.line]), [['tcpv6_prot', 'proto', 'connect', 2128]]);
    const st = JSON.parse((await kpn(['ops', 'proto', '--tree', tree.dir, '--cache', cache, '--json'])).stdout);
    assert.equal(st.kind, 'struct');
    assert.ok(st.ops.some((o) => o.instance === 'tcpv6_prot'));
    const none = await kpn(['ops', 'no_such_thing_here', '--tree', tree.dir, '--cache', cache, '--json']);
    assert.equal(none.code, 1);
    assert.equal(JSON.parse(none.stdout).kind, 'none');
  });

  await t.test('the second index comes from the cache', async () => {
    const again = JSON.parse((await kpn(['index', tree.dir, '--cache', cache, '--json'])).stdout);
    assert.equal(again.parsedNow, 0);
    assert.equal(again.functions, summary.functions);
  });
});

test('kpn: unknown command and missing arguments exit 2 with usage; an unknown function exits 1', async (t) => {
  const unknown = await kpn(['constructor']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'constructor'[\s\S]*usage:/);
  const noTree = await kpn(['explain', 'tcp_v4_connect']);
  assert.equal(noTree.code, 2);
  assert.match(noTree.stderr, /--tree <kernel tree> is required/);
  // A forgotten value is refused, not taken from the next option (which would create a `--json` directory).
  const cwd = mkdtempSync(join(tmpdir(), 'kpn-cli-args-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const noValue = await kpn(['index', cwd, '--cache', '--json'], cwd);
  assert.equal(noValue.code, 2);
  assert.match(noValue.stderr, /--cache needs a value/);
  assert.deepEqual(readdirSync(cwd), []);
  const tree = await ensureSubsetTree();
  if (skipWithoutTree(tree, t)) return;
  const missing = await kpn(['explain', 'no_such_function_anywhere', '--tree', join(tree.dir, 'net/ipv4')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no function named no_such_function_anywhere/);
});
