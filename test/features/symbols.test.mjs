// Workspace symbols on a real index: the fast search (one joined string, character sets) must
// rank exactly like the plain definition it replaced — exact, prefix, substring, then in-order
// subsequence (3+ characters); shorter names first within a rank, then by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { skipWithoutTree } from '../e2e/trees.mjs';
import { subsetIndex } from '../support/subsetIndex.mjs';

const require = createRequire(import.meta.url);
const { workspaceSymbols } = require('../../server/out/features/symbols.js');

let sub;
before(async () => { sub = await subsetIndex(); });

/** The definition, written the slow, obvious way: the names it ranks, in order. */
function reference(index, query) {
  const q = query.toLowerCase().replace(/\s+/g, '');
  if (!q) return [];
  const names = [...new Set([...index.functionNames(), ...index.opsInstanceNames()])];
  const isSubsequence = (n) => { let j = 0; for (const c of n) if (c === q[j]) j++; return j >= q.length; };
  const rank = (n) => {
    const l = n.toLowerCase();
    if (l === q) return 0;
    if (l.startsWith(q)) return 1;
    if (l.includes(q)) return 2;
    if (q.length >= 3 && isSubsequence(l)) return 3;
    return -1;
  };
  return names.map((n) => [n, rank(n)]).filter(([, r]) => r >= 0)
    .sort((a, b) => a[1] - b[1] || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
}

/** Names are listed through their definitions (a syscall symbol through its SYSCALL_DEFINE) or their ops instance. */
const shownAs = (index, n) => index.resolve(n).some((d) => d.name === n || d.syscall) || index.opsInstance(n).length > 0;

test('workspace symbols rank like the plain definition, over the whole 6.1 subset', (t) => {
  if (skipWithoutTree(sub, t)) return;
  const queries = ['tcp_v4_connect', 'tcpv4conn', 'TCP_PROT', 'tcp prot', 'a', 'x', 'zz', 'ip6', 'inet6_', 'v4v6', 'sk.', '__x64_sys_connect',
    'enqueue_task_fair', 'ext4fillsuper', 'q9z', '_', '4', 'rcu_', 'inetsw_array'];
  for (const q of queries) {
    const got = [...new Set(workspaceSymbols(sub.index, q, 100000).map((h) => h.name))];
    const want = reference(sub.index, q);
    assert.deepEqual(got, want.filter((n) => shownAs(sub.index, n)), `query ${JSON.stringify(q)}`);
  }
  assert.equal(workspaceSymbols(sub.index, 'tcpv4conn')[0].name, 'tcp_v4_connect');
  assert.equal(workspaceSymbols(sub.index, 'q9z§').length, 0);
});
