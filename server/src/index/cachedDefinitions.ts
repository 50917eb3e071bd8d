/**
 * name → definitions as the cache saves it, answered without building a Map: each key's
 * definitions as (file index, function index in that file) pairs in a savedGroups.ts table.
 * After a change, EditedDefinitions lays the changed files over it.
 */
import type { FunctionDef } from './model';
import { definitionKeys, type DefinitionLookup, type SavedDefinitionLookup } from './kernelIndex';
import type { StoredFile } from './storedFile';
import { groupColumns, SavedGroups, type GroupColumns } from './savedGroups';

/** The saved form of the files' definitions, files numbered in the given order; `id` and `text` map strings to string ids and back. */
export function definitionColumns(files: readonly StoredFile[], id: (s: string) => number, text: (id: number) => string): GroupColumns {
  const keys: number[] = [];
  const pairs: number[] = [];
  for (let fi = 0; fi < files.length; fi++) {
    const fns = files[fi].functions;
    for (let j = 0; j < fns.length; j++) for (const key of definitionKeys(fns[j])) { keys.push(id(key)); pairs.push(fi, j); }
  }
  return groupColumns(2, keys, pairs, text);
}

export class CachedDefinitions implements SavedDefinitionLookup {
  private fileIndex: Map<StoredFile, number> | undefined;
  /** Lists of names with several definitions, kept once built (`main` has hundreds). */
  private readonly lists = new Map<number, FunctionDef[]>();

  /** Throws when a pair points outside the files (a corrupt cache). */
  constructor(private readonly groups: SavedGroups, readonly files: readonly StoredFile[]) {
    const t = groups.tuples;
    if (groups.width !== 2) throw new Error('definition table of the wrong width');
    for (let e = 0; e < t.length; e += 2) {
      const f = files[t[e]];
      if (!f || t[e + 1] < 0 || t[e + 1] >= f.functionCount) throw new Error('definition points past its file');
    }
  }

  get(name: string): FunctionDef | FunctionDef[] | undefined {
    const k = this.groups.find(name);
    if (k < 0) return undefined;
    const start = this.groups.start(k);
    const end = this.groups.end(k);
    if (end - start === 1) return this.at(start);
    let out = this.lists.get(k);
    if (!out) {
      out = [];
      for (let e = start; e < end; e++) out.push(this.at(e));
      this.lists.set(k, out);
    }
    return out;
  }

  has(name: string): boolean {
    return this.groups.find(name) >= 0;
  }

  *keys(): IterableIterator<string> {
    for (let k = 0; k < this.groups.size; k++) yield this.groups.keyAt(k);
  }

  withFiles(current: Iterable<StoredFile>): DefinitionLookup {
    return new EditedDefinitions(this, current);
  }

  /**
   * Each definition of a name, in order, as the index of its file among the saved ones and an
   * entry number for `definitionAt` (so a caller that only filters by file builds no function).
   */
  forEach(name: string, visit: (file: number, entry: number) => void): void {
    const k = this.groups.find(name);
    if (k < 0) return;
    for (let e = this.groups.start(k); e < this.groups.end(k); e++) visit(this.groups.tuples[2 * e], e);
  }

  definitionAt(entry: number): FunctionDef {
    return this.at(entry);
  }

  /** The index of a saved file (the same object), or -1. */
  indexOf(f: StoredFile): number {
    this.fileIndex ??= new Map(this.files.map((x, i) => [x, i]));
    return this.fileIndex.get(f) ?? -1;
  }

  private at(e: number): FunctionDef {
    const t = this.groups.tuples;
    return this.files[t[2 * e]].functions[t[2 * e + 1]];
  }
}

/**
 * The saved table with the files changed since the load laid over it: rebuilding a Map after the
 * first edit would build all 700k function objects of a warm-started index (~3 s). Definitions
 * come in the order a rebuild gives (files in the index's order: a replaced file keeps its place,
 * a new one comes last), so answers do not depend on whether the index was warm-started.
 */
export class EditedDefinitions implements DefinitionLookup {
  /** Per saved file: its position in the index now, or -1 when it was replaced or removed. */
  private readonly position: Int32Array;
  private readonly overlay = new Map<string, { at: number; fn: FunctionDef }[]>();
  private allKeys: string[] | undefined;

  constructor(private readonly base: CachedDefinitions, private readonly current: Iterable<StoredFile>) {
    this.position = new Int32Array(base.files.length).fill(-1);
    let at = 0;
    for (const f of current) {
      const k = base.indexOf(f);
      if (k >= 0) this.position[k] = at;
      else {
        for (const fn of f.functions) {
          for (const key of definitionKeys(fn)) {
            const list = this.overlay.get(key);
            if (list) list.push({ at, fn });
            else this.overlay.set(key, [{ at, fn }]);
          }
        }
      }
      at++;
    }
  }

  get(name: string): FunctionDef | FunctionDef[] | undefined {
    const out: FunctionDef[] = [];
    const extra = this.overlay.get(name) ?? [];
    let x = 0;
    this.base.forEach(name, (fi, entry) => {
      const at = this.position[fi];
      if (at < 0) return;
      while (x < extra.length && extra[x].at < at) out.push(extra[x++].fn);
      out.push(this.base.definitionAt(entry));
    });
    while (x < extra.length) out.push(extra[x++].fn);
    return out.length === 0 ? undefined : out.length === 1 ? out[0] : out;
  }

  has(name: string): boolean {
    if (this.overlay.has(name)) return true;
    let found = false;
    this.base.forEach(name, (fi) => { if (this.position[fi] >= 0) found = true; });
    return found;
  }

  /** In a rebuild's order (by first definition); built on first use, which workspace symbols alone asks for. */
  keys(): IterableIterator<string> {
    if (!this.allKeys) {
      const seen = new Set<string>();
      for (const f of this.current) for (const fn of f.functions) for (const key of definitionKeys(fn)) seen.add(key);
      this.allKeys = [...seen];
    }
    return this.allKeys[Symbol.iterator]();
  }
}
