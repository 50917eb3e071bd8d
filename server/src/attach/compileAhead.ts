/**
 * Keeps the objects of generated .bpf.c files compiled ahead of the attach: once when
 * kpn/generate writes a file, and again after each saved edit (debounced), so attaching a file
 * the user saved a moment ago only loads. An attach still compiles whatever the cache lacks, so
 * an edit nobody saw (or a compile still running) costs clang time then, never a stale object.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { CompileOptions } from './compile';
import type { ObjectCache } from './objectCache';

export class CompileAhead {
  private readonly files = new Set<string>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly cache: ObjectCache, private readonly opts: CompileOptions, private readonly debounceMs = 300) {}

  /** Compiles `source` (just written to `file`) now and the file's later saves as they come. */
  track(file: string, source: string): void {
    this.files.add(file);
    this.cache.prefetch(source, this.opts);
    this.watchDir(path.dirname(file));
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.watchers.clear();
    this.timers.clear();
  }

  // the directory, not the file: editors that save by renaming a new file over it replace the inode
  private watchDir(dir: string): void {
    if (this.watchers.has(dir)) return;
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_event, name) => name && this.changed(path.join(dir, name.toString())));
    } catch {
      return; // no watching here: edits are compiled on attach
    }
    w.on('error', () => { w.close(); this.watchers.delete(dir); });
    this.watchers.set(dir, w);
  }

  private changed(file: string): void {
    if (!this.files.has(file)) return;
    clearTimeout(this.timers.get(file));
    const t = setTimeout(() => {
      this.timers.delete(file);
      readFile(file, 'utf8').then((source) => this.cache.prefetch(source, this.opts), () => { /* gone: nothing to compile */ });
    }, this.debounceMs);
    t.unref();
    this.timers.set(file, t);
  }
}
