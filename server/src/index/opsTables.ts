/**
 * Ops assignments as queries want them: macro-named instances renamed (`DEFINE_SCHED_CLASS(fair)`
 * is `fair_sched_class`), data assignments dropped (`.memory_allocated = &x`), grouped by
 * function and by instance. Built from the files after a change; after a cache load, answered
 * from the saved groups (savedGroups.ts) until the first change.
 */
import type { InstanceMacro, OpsAssignment, OpsStructType } from './model';
import type { StoredFile } from './storedFile';
import { groupColumns, type GroupColumns, type SavedGroups } from './savedGroups';
import type { StringTable } from './stringTable';

export interface OpsLookup {
  get(key: string): OpsAssignment[] | undefined;
  keys(): IterableIterator<string>;
  values(): IterableIterator<OpsAssignment[]>;
  readonly size: number;
}

export interface OpsTables {
  byValue: OpsLookup;
  byInstance: OpsLookup;
  /** Assignments kept (each is in one list of each table). */
  count: number;
  /** The kept assignments with where they are stored, when built from the files (saving reuses them). */
  resolved?: readonly ResolvedOp[];
}

/** One kept assignment: where it is stored (file index, index in the file's ops) and as queries see it. */
export interface ResolvedOp { fi: number; j: number; op: OpsAssignment }

/** Struct types with function-pointer fields (the fullest definition of each name) and instance macros. */
export function opsContext(files: Iterable<StoredFile>): { structTypes: Map<string, OpsStructType>; macros: Map<string, InstanceMacro> } {
  const structTypes = new Map<string, OpsStructType>();
  const macros = new Map<string, InstanceMacro>();
  for (const f of files) {
    for (const t of f.opsTypes) if (!structTypes.has(t.name) || t.fnFields.length > structTypes.get(t.name)!.fnFields.length) structTypes.set(t.name, t);
    for (const m of f.instanceMacros) macros.set(m.macro, m);
  }
  return { structTypes, macros };
}

/** The assignments worth answering, in file order, instances renamed before they are keyed. */
export function resolveOps(
  files: readonly StoredFile[], structTypes: Map<string, OpsStructType>, macros: Map<string, InstanceMacro>, isDefined: (name: string) => boolean,
): ResolvedOp[] {
  const all: ResolvedOp[] = [];
  const instances = new Set<string>();
  files.forEach((f, fi) => {
    f.ops.forEach((o, j) => {
      const op = resolveMacroInstance(o, macros);
      all.push({ fi, j, op });
      instances.add(baseInstance(op.instance));
    });
  });
  // Keep functions and links to other instances (`.prot = &tcp_prot`); drop data.
  return all.filter(({ op }) => isDefined(op.fn) || isFnField(op, structTypes) || instances.has(op.fn));
}

export function tablesFromResolved(resolved: readonly ResolvedOp[]): OpsTables {
  const byValue = new Map<string, OpsAssignment[]>();
  const byInstance = new Map<string, OpsAssignment[]>();
  const push = (m: Map<string, OpsAssignment[]>, k: string, v: OpsAssignment) => {
    const a = m.get(k);
    if (a) a.push(v);
    else m.set(k, [v]);
  };
  for (const { op } of resolved) {
    push(byValue, op.fn, op);
    push(byInstance, baseInstance(op.instance), op);
  }
  return { byValue, byInstance, count: resolved.length, resolved };
}

/** `inetsw_array[2]` and `inetsw_array[SOCK_STREAM]` are elements of `inetsw_array`. */
export function baseInstance(instance: string): string {
  const i = instance.indexOf('[');
  return i < 0 ? instance : instance.slice(0, i);
}

function resolveMacroInstance(o: OpsAssignment, macros: Map<string, InstanceMacro>): OpsAssignment {
  const m = /^([A-Z][A-Z0-9_]*)\((\w+)\)/.exec(o.instance);
  if (!m) return o;
  const im = macros.get(m[1]);
  if (!im) return o;
  return { ...o, instance: im.prefix + m[2] + im.suffix + o.instance.slice(m[0].length), struct: o.struct || im.struct };
}

function isFnField(o: OpsAssignment, types: Map<string, OpsStructType>): boolean {
  const t = types.get(o.struct);
  return !!t && t.fnFields.includes(o.field.replace(/^.*\./, ''));
}

// --- the saved form ---------------------------------------------------------------------------

export const KEPT_INTS = 4;

export interface SavedOpsColumns {
  /** Per kept assignment: file index, index in the file's ops, renamed instance and struct (string ids, -1 = unchanged). */
  kept: number[];
  byValue: GroupColumns;
  byInstance: GroupColumns;
}

export function savedOpsColumns(resolved: readonly ResolvedOp[], files: readonly StoredFile[], stringId: (s: string) => number, text: (id: number) => string): SavedOpsColumns {
  const kept: number[] = [];
  for (const { fi, j, op } of resolved) {
    const o = files[fi].ops[j];
    kept.push(fi, j, op.instance === o.instance ? -1 : stringId(op.instance), op.struct === o.struct ? -1 : stringId(op.struct));
  }
  const order = Int32Array.from(resolved, (_, i) => i);
  return {
    kept,
    byValue: groupColumns(1, resolved.map(({ op }) => stringId(op.fn)), order, text),
    byInstance: groupColumns(1, resolved.map(({ op }) => stringId(baseInstance(op.instance))), order, text),
  };
}

/** The kept assignments of a cache, each built on first use and then kept (callers may compare them). */
export class SavedOps {
  private readonly built: (OpsAssignment | undefined)[];

  constructor(private readonly kept: Int32Array, private readonly strings: StringTable, private readonly files: readonly StoredFile[], opsCount: (fi: number) => number) {
    if (kept.length % KEPT_INTS !== 0) throw new Error('ops column length');
    for (let i = 0; i < kept.length; i += KEPT_INTS) {
      if (kept[i] < 0 || kept[i] >= files.length || kept[i + 1] < 0 || kept[i + 1] >= opsCount(kept[i])) throw new Error('ops entry points past its file');
      if (kept[i + 2] >= strings.size || kept[i + 3] >= strings.size) throw new Error('ops entry string out of range');
    }
    this.built = new Array(kept.length / KEPT_INTS);
  }

  get count(): number {
    return this.built.length;
  }

  at(i: number): OpsAssignment {
    const have = this.built[i];
    if (have) return have;
    const k = i * KEPT_INTS;
    const o = this.files[this.kept[k]].ops[this.kept[k + 1]];
    const instance = this.kept[k + 2], struct = this.kept[k + 3];
    const op = instance < 0 && struct < 0 ? o : {
      ...o, instance: instance < 0 ? o.instance : this.strings.get(instance), struct: struct < 0 ? o.struct : this.strings.get(struct),
    };
    this.built[i] = op;
    return op;
  }
}

export class SavedOpsLookup implements OpsLookup {
  /** Lists once built: callers may walk every list per query (`implementationsOf`). */
  private readonly lists = new Map<number, OpsAssignment[]>();

  constructor(private readonly groups: SavedGroups, private readonly ops: SavedOps) {
    if (groups.width !== 1) throw new Error('ops table of the wrong width');
    for (const i of groups.tuples) if (i < 0 || i >= ops.count) throw new Error('ops table entry out of range');
  }

  get size(): number {
    return this.groups.size;
  }

  get(key: string): OpsAssignment[] | undefined {
    const k = this.groups.find(key);
    return k < 0 ? undefined : this.list(k);
  }

  *keys(): IterableIterator<string> {
    for (let k = 0; k < this.groups.size; k++) yield this.groups.keyAt(k);
  }

  *values(): IterableIterator<OpsAssignment[]> {
    for (let k = 0; k < this.groups.size; k++) yield this.list(k);
  }

  private list(k: number): OpsAssignment[] {
    let out = this.lists.get(k);
    if (!out) {
      out = [];
      for (let e = this.groups.start(k); e < this.groups.end(k); e++) out.push(this.ops.at(this.groups.tuples[e]));
      this.lists.set(k, out);
    }
    return out;
  }
}
