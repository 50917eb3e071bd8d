/** Indexes a whole tree: walk, parse on the worker pool, fill a KernelIndex. */
import { KernelIndex } from './kernelIndex';
import { parseFiles } from './pool';
import { DEFAULT_LIMITS, type FileLimits } from './readFile';
import { scanTree, type TreeScan } from './treeScan';
import { readKernelVersion } from './walk';

export interface IndexOptions {
  workers?: number;
  limits?: FileLimits;
  exclude?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
  /** Reuse this index: files whose mtime and size are unchanged are not parsed again. */
  previous?: KernelIndex;
  /** A walk already under way (started before the cache was read, so the two overlap). */
  scan?: Promise<TreeScan>;
}

export const DEFAULT_EXCLUDE = ['.git', 'node_modules', 'Documentation', '.pc', '.cache'];

export interface IndexResult {
  index: KernelIndex;
  parsed: number;
  reused: number;
  removed: number;
  isKernelTree: boolean;
}

export async function indexTree(root: string, opts: IndexOptions = {}): Promise<IndexResult> {
  const log = opts.log ?? (() => {});
  const version = await readKernelVersion(root);
  const index = opts.previous ?? new KernelIndex(root, version);
  index.kernelVersion = version;
  let removed = 0;
  const listed = (opts.scan ?? scanTree(root, opts.exclude ?? DEFAULT_EXCLUDE, opts.signal)).then((walk) => {
    if (walk.skippedLinks > 0) log(`walk: ${walk.skippedLinks} symbolic links not followed`);
    for (const d of walk.unreadableDirs) log(`walk: cannot read directory ${d}`);
    const current = new Set(walk.files);
    for (const f of index.fileList()) if (!current.has(f) && index.removeFile(f)) removed++;
    return { walk, todo: opts.previous ? changedFiles(index, walk) : walk.files };
  });
  // With nothing to compare against, every file is parsed: the parsers start while the walk runs.
  // Otherwise the changed files are known first (often none, and then no parser starts).
  await parseFiles(opts.previous ? (await listed).todo : listed.then((l) => l.todo), {
    root,
    limits: opts.limits ?? DEFAULT_LIMITS,
    workers: opts.workers,
    signal: opts.signal,
    onProgress: opts.onProgress,
    log,
    names: index,
    onFile: (f) => {
      if (f.skipped) log(`skipped ${f.file}: ${f.skipped}`);
      index.addFile(f);
    },
  });
  const { walk, todo } = await listed;
  return { index, parsed: todo.length, reused: walk.files.length - todo.length, removed, isKernelTree: version !== undefined };
}

/** Files whose size or mtime differ from the index (a failed stat is NaN: never equal). */
function changedFiles(index: KernelIndex, scan: TreeScan): string[] {
  return scan.files.filter((f, i) => {
    const stored = index.fileFacts(f);
    return !stored || stored.mtimeMs !== scan.mtimes[i] || stored.size !== scan.sizes[i];
  });
}
