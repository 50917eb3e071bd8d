// One index of the 6.1 subset shared by the tests of a process (indexing it takes ~20-40 s).
import { ensureSubsetTree } from '../e2e/trees.mjs';
import { indexTree } from '../../server/out/index/indexTree.js';

let pending;

/** Resolves to { index, dir, ms } or { missing: reason } when the tree cannot be had here. */
export function subsetIndex() {
  pending ??= (async () => {
    const tree = await ensureSubsetTree();
    if (tree.missing) return tree;
    const t0 = Date.now();
    const { index } = await indexTree(tree.dir);
    return { index, dir: tree.dir, ms: Date.now() - t0 };
  })();
  return pending;
}
