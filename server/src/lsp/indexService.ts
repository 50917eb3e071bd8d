/**
 * Owns the index's life in the server: load the cache, index what changed (with LSP work-done
 * progress and cancellation), save, and keep it current as files are edited, saved, created or deleted.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFileFor, loadIndex, saveIndex } from '../index/cache';
import { DEFAULT_EXCLUDE, indexTree } from '../index/indexTree';
import { startTreeScan, type TreeScan } from '../index/treeScan';
import type { KernelIndex } from '../index/kernelIndex';
import { KernelIndex as Index } from '../index/kernelIndex';
import { DEFAULT_LIMITS, type FileLimits } from '../index/readFile';
import { factsFromDisk, factsFromText } from '../index/singleFile';

export type IndexState = 'starting' | 'indexing' | 'ready' | 'cancelled' | 'error';

export interface IndexStatus {
  state: IndexState;
  files: number;
  functions: number;
  done: number;
  total: number;
  kernelVersion?: string;
  isKernelTree: boolean;
  message?: string;
}

export interface ServiceOptions {
  root: string;
  cacheDir?: string;
  workers?: number;
  exclude?: string[];
  limits?: FileLimits;
  log: (line: string) => void;
  onStatus: (s: IndexStatus) => void;
  /** Creates a cancellable progress report in the client; returns undefined when the client cannot show one. */
  beginProgress: (title: string) => Promise<Progress | undefined>;
}

export interface Progress {
  report(done: number, total: number): void;
  done(): void;
  onCancel(cb: () => void): void;
}

const SAVE_DELAY_MS = 5000;

export class IndexService {
  index: KernelIndex;
  private status: IndexStatus;
  private abort: AbortController | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  /** Facts changed since the cache was last written or read; saving a whole kernel blocks for seconds. */
  private dirty = false;
  private readonly cacheFile: string;
  private readonly limits: FileLimits;

  constructor(private readonly opts: ServiceOptions) {
    this.index = new Index(opts.root);
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.cacheFile = cacheFileFor(opts.cacheDir ?? path.join(os.homedir(), '.cache', 'kernel-probe-navigator'), opts.root);
    this.status = { state: 'starting', files: 0, functions: 0, done: 0, total: 0, isKernelTree: false };
  }

  getStatus(): IndexStatus {
    return this.status;
  }

  private setStatus(patch: Partial<IndexStatus>): void {
    this.status = { ...this.status, ...patch };
    this.opts.onStatus(this.status);
  }

  /** Loads the cache (answers queries at once when there is one), then indexes what changed. */
  async start(): Promise<void> {
    const t0 = Date.now();
    // the walk runs on its own thread while the cache is read and decoded here
    const scan = startTreeScan(this.opts.root, this.opts.exclude ?? DEFAULT_EXCLUDE);
    const loaded = await loadIndex(this.cacheFile, this.opts.root);
    if (loaded.index) {
      this.index = loaded.index;
      const s = this.index.stats();
      this.opts.log(`cache: loaded ${s.files} files, ${s.functions} functions in ${Date.now() - t0} ms from ${this.cacheFile}`);
      this.setStatus({ state: 'ready', files: s.files, functions: s.functions, kernelVersion: this.index.kernelVersion, isKernelTree: !!this.index.kernelVersion });
    } else {
      this.opts.log(`cache: ${loaded.reason}; indexing from scratch`);
    }
    await this.reindex(!!loaded.index, scan);
  }

  /** Indexes the tree; with `incremental`, only files whose size or mtime changed. */
  async reindex(incremental: boolean, scan?: Promise<TreeScan>): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const progress = await this.opts.beginProgress(incremental ? 'Checking kernel index' : 'Indexing kernel tree');
    progress?.onCancel(() => abort.abort());
    if (!incremental) this.setStatus({ state: 'indexing', done: 0, total: 0 });
    const t0 = Date.now();
    let lastReport = 0;
    try {
      const result = await indexTree(this.opts.root, {
        previous: incremental ? this.index : undefined,
        scan,
        workers: this.opts.workers,
        exclude: this.opts.exclude ?? DEFAULT_EXCLUDE,
        limits: this.limits,
        signal: abort.signal,
        log: this.opts.log,
        onProgress: (done, total) => {
          const now = Date.now();
          if (now - lastReport < 200 && done < total) return;
          lastReport = now;
          progress?.report(done, total);
          if (!incremental || total > 50) this.setStatus({ state: 'indexing', done, total });
        },
      });
      this.index = result.index;
      const s = this.index.stats();
      this.opts.log(`index: ${result.parsed} files parsed, ${result.reused} reused, ${result.removed} removed in ${Date.now() - t0} ms; ` +
        `${s.functions} functions, ${s.opsAssignments} ops assignments, ${s.calls} calls, ${s.filesWithErrors} files with parse errors, ${s.skippedFiles} skipped`);
      if (!result.isKernelTree) this.opts.log(`${this.opts.root} has no kernel Makefile (VERSION/PATCHLEVEL): indexed as plain C`);
      this.setStatus({
        state: 'ready', files: s.files, functions: s.functions, kernelVersion: this.index.kernelVersion, isKernelTree: result.isKernelTree,
        message: result.isKernelTree ? undefined : 'not a kernel tree (no kernel Makefile); indexed as plain C',
      });
      if (result.parsed > 0 || result.removed > 0) {
        this.dirty = true;
        await this.save();
      }
    } catch (e) {
      if (abort.signal.aborted) {
        this.opts.log('index: cancelled');
        this.setStatus({ state: 'cancelled', message: 'indexing cancelled; run "Re-index kernel tree" to resume' });
      } else {
        this.opts.log(`index: failed: ${(e as Error).stack ?? e}`);
        this.setStatus({ state: 'error', message: (e as Error).message });
      }
    } finally {
      progress?.done();
      if (this.abort === abort) this.abort = undefined;
    }
  }

  cancel(): void {
    this.abort?.abort();
  }

  /** An open buffer changed: index its text as it is now. */
  updateFromText(rel: string, text: string): void {
    this.safely(rel, () => this.index.setFile(factsFromText(rel, text, this.limits)));
  }

  /** A file changed or appeared on disk. */
  async updateFromDisk(rel: string): Promise<void> {
    try {
      this.index.setFile(await factsFromDisk(this.opts.root, rel, this.limits));
      this.scheduleSave();
    } catch (e) {
      this.opts.log(`update ${rel}: ${(e as Error).message}`);
    }
  }

  remove(rel: string): void {
    if (this.index.removeFile(rel)) this.scheduleSave();
  }

  private safely(rel: string, f: () => void): void {
    try {
      f();
      this.scheduleSave();
    } catch (e) {
      this.opts.log(`update ${rel}: ${(e as Error).message}`);
    }
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.status.state !== 'ready') return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => void this.save(), SAVE_DELAY_MS);
  }

  async save(): Promise<void> {
    clearTimeout(this.saveTimer);
    if (!this.dirty) return;
    this.dirty = false;
    const t0 = Date.now();
    try {
      const bytes = await saveIndex(this.index, this.cacheFile);
      this.opts.log(`cache: saved ${(bytes / 1048576).toFixed(1)} MB in ${Date.now() - t0} ms to ${this.cacheFile}`);
    } catch (e) {
      this.dirty = true;
      this.opts.log(`cache: not saved: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.abort?.abort();
    clearTimeout(this.saveTimer);
  }
}
