// A parser worker that dies mid-batch (here: SIGKILLed from outside, as a native crash would end it)
// costs nothing: its batch and the batch queued behind it are redone, and the index equals a clean run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureSubsetTree, skipWithoutTree } from '../e2e/trees.mjs';
import { indexTree } from '../../server/out/index/indexTree.js';

function childPids() {
  const out = [];
  for (const task of readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/)) if (task) out.push(Number(task));
  return out;
}

test('a worker killed mid-index is replaced and its files are parsed again', async (t) => {
  const tree = await ensureSubsetTree();
  if (skipWithoutTree(tree, t)) return;
  const dir = `${tree.dir}/net/ipv4`;
  const clean = await indexTree(dir);
  const log = [];
  let killed;
  const crashed = await indexTree(dir, {
    log: (l) => log.push(l),
    onProgress: (done, total) => {
      // Once the first batch is back, both workers hold work: kill one of them.
      if (killed === undefined && done > 0 && done < total) {
        const pids = childPids();
        if (pids.length > 0) { killed = pids[0]; process.kill(killed, 'SIGKILL'); }
      }
    },
  });
  assert.ok(killed, 'a worker was killed');
  assert.ok(log.some((l) => /parser worker died \(SIGKILL\); retrying its \d+ files one by one/.test(l)), log.join('\n'));
  assert.deepEqual(crashed.index.stats(), clean.index.stats());
  assert.deepEqual(crashed.index.skippedFiles(), []);
  assert.deepEqual(crashed.index.callersOf('tcp_v4_connect'), clean.index.callersOf('tcp_v4_connect'));
});
