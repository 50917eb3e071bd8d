/** The CLI's way to an index: the cache when it is current, else index (and save when --cache is given). */
import * as path from 'node:path';
import { cacheFileFor, loadIndex, saveIndex } from '../index/cache';
import { DEFAULT_EXCLUDE, indexTree, type IndexResult } from '../index/indexTree';
import type { KernelIndex } from '../index/kernelIndex';
import { startTreeScan } from '../index/treeScan';

export interface CliIndexOptions {
  tree: string;
  cacheDir?: string;
  workers?: number;
  progress?: NodeJS.WritableStream;
  log?: (line: string) => void;
}

export interface CliIndex { index: KernelIndex; fromCache: boolean; result?: IndexResult; ms: number }

export async function openIndex(o: CliIndexOptions): Promise<CliIndex> {
  const t0 = Date.now();
  const root = path.resolve(o.tree);
  const log = o.log ?? (() => {});
  // the walk runs on its own thread while the cache is read and decoded here
  const scan = startTreeScan(root, DEFAULT_EXCLUDE);
  let previous: KernelIndex | undefined;
  if (o.cacheDir) {
    const loaded = await loadIndex(cacheFileFor(o.cacheDir, root), root);
    if (loaded.index) previous = loaded.index;
    else log(`cache: ${loaded.reason}`);
  }
  let lastPct = -1;
  const result = await indexTree(root, {
    previous,
    scan,
    workers: o.workers,
    log,
    onProgress: o.progress ? (done, total) => {
      const pct = Math.floor((done * 100) / total);
      if (pct !== lastPct) { lastPct = pct; o.progress!.write(`\rindexing ${done}/${total} files (${pct}%)`); }
      if (done === total) o.progress!.write('\n');
    } : undefined,
  });
  if (o.cacheDir && (result.parsed > 0 || result.removed > 0 || !previous)) {
    // Every caller queries next, which builds the lookup tables anyway; built first, the save
    // reuses the resolved ops assignments instead of resolving them again (~0.7 s on a full tree).
    void result.index.generation;
    await saveIndex(result.index, cacheFileFor(o.cacheDir, root));
  }
  return { index: result.index, fromCache: !!previous && result.parsed === 0, result, ms: Date.now() - t0 };
}
