/** Worker side of treeScan.ts: the walk, then one stat per file. */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { TreeScan, TreeScanRequest } from './treeScan';
import { findSourceFiles } from './walk';

const { root, exclude } = workerData as TreeScanRequest;
const walk = findSourceFiles(root, new Set(exclude));
const sizes = new Float64Array(walk.files.length);
const mtimes = new Float64Array(walk.files.length);
walk.files.forEach((f, i) => {
  try {
    const st = statSync(`${root}/${f}`);
    sizes[i] = st.size;
    mtimes[i] = st.mtimeMs;
  } catch {
    sizes[i] = mtimes[i] = NaN; // vanished or unreadable: the parse records why
  }
});
const scan: TreeScan = { ...walk, sizes, mtimes };
parentPort!.postMessage(scan, [sizes.buffer, mtimes.buffer]);
