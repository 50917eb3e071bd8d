/** Indexes a whole tree: walk, parse on the worker pool, fill a KernelIndex. */
import { statSync } from 'node:fs';
import { KernelIndex } from './kernelIndex';
import { parseFiles } from './pool';
import { DEFAULT_LIMITS, type FileLimits } from './readFile';
import { findSourceFiles, readKernelVersion } from './walk';

export interface IndexOptions {
  workers?: number;
  limits?: FileLimits;
  exclude?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  log?: (line: string) => void;
  /** Reuse this index: files whose mtime and size are unchanged are not parsed again. */
  previous?: KernelIndex;
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
  const walk = await findSourceFiles(root, new Set(opts.exclude ?? DEFAULT_EXCLUDE), opts.signal);
  if (walk.skippedLinks > 0) log(`walk: ${walk.skippedLinks} symbolic links not followed`);
  for (const d of walk.unreadableDirs) log(`walk: cannot read directory ${d}`);
  const index = opts.previous ?? new KernelIndex(root, version);
  index.kernelVersion = version;

  const current = new Set(walk.files);
  let removed = 0;
  for (const f of index.fileList()) if (!current.has(f) && index.removeFile(f)) removed++;
  const todo = opts.previous ? await changedFiles(index, root, walk.files) : walk.files;

  await parseFiles(todo, {
    root,
    limits: opts.limits ?? DEFAULT_LIMITS,
    workers: opts.workers,
    signal: opts.signal,
    onProgress: opts.onProgress,
    log,
    onFacts: (f) => {
      if (f.skipped) log(`skipped ${f.file}: ${f.skipped}`);
      index.setPackedFile(f);
    },
  });
  return { index, parsed: todo.length, reused: walk.files.length - todo.length, removed, isKernelTree: version !== undefined };
}

/**
 * Files whose size or mtime differ from the index. Blocking stats in slices: with the page cache
 * warm a stat is a few microseconds, far less than a promise round trip through the thread pool.
 */
async function changedFiles(index: KernelIndex, root: string, files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const SLICE = 4096;
  for (let i = 0; i < files.length; i += SLICE) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const f of files.slice(i, i + SLICE)) {
      const stored = index.fileFacts(f);
      try {
        const st = statSync(`${root}/${f}`);
        if (!stored || stored.mtimeMs !== st.mtimeMs || stored.size !== st.size) out.push(f);
      } catch {
        out.push(f); // vanished or unreadable: the parse records why
      }
    }
  }
  return out;
}
