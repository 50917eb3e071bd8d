/**
 * The trace loaded into the editor: one at a time, replaced by the next import. Derived data
 * (not-seen marks, per-file stats) is cached per trace and per index generation.
 */
import type { TraceModel } from '../../ftrace/model';
import type { RecordMethod } from '../../ftrace/record';

export interface LoadedTrace {
  model: TraceModel;
  /** File path, or `command: ls -l` for a recording. */
  source: string;
  /** Set for recordings: how it was recorded and why that method. */
  recording?: { method: RecordMethod; messages: string[]; commandExitCode: number | null };
  loadedAt: number;
}

export class TraceStore {
  private loaded: LoadedTrace | undefined;
  private derived = new Map<string, { gen: number; value: unknown }>();
  private listeners: (() => void)[] = [];

  get current(): LoadedTrace | undefined { return this.loaded; }

  set(t: LoadedTrace | undefined): void {
    this.loaded = t;
    this.derived.clear();
    for (const l of this.listeners) l();
  }

  onChange(cb: () => void): void { this.listeners.push(cb); }

  /** A value computed from the current trace and index generation, recomputed when either changes. */
  cached<T>(key: string, gen: number, compute: () => T): T {
    const hit = this.derived.get(key);
    if (hit && hit.gen === gen) return hit.value as T;
    const value = compute();
    this.derived.set(key, { gen, value });
    return value;
  }
}
