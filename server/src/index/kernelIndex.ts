/**
 * The in-memory index: per-file facts plus the lookup tables features need.
 *
 * Call sites dominate the fact count (millions in a full tree), so they are kept per file in
 * typed arrays over a shared name table instead of as objects; "who calls X" reads a callee →
 * sites table derived from those arrays once per generation, so an edit only replaces one
 * file's arrays. After a cache load the lookup tables are the ones saved with it (name →
 * definitions, call name → id, ops by function and by instance) until the first change.
 */
import type { CallSite, ExportKind, FileFacts, FunctionDef, IndirectCall, OpsAssignment, OpsStructType, TracepointCall, TracepointDef } from './model';
import { findName } from './nameHash';
import { opsContext, resolveOps, tablesFromResolved, type OpsTables, type ResolvedOp } from './opsTables';
import type { StoredFile } from './storedFile';
import { syscallFunctionName } from './syscalls';
import { storedForm, type NameTable } from './wire';

export interface IndexStats {
  files: number;
  parsedFiles: number;
  filesWithErrors: number;
  defineOnlyFiles: number;
  skippedFiles: number;
  functions: number;
  syscalls: number;
  exports: number;
  opsAssignments: number;
  opsInstances: number;
  opsStructTypes: number;
  calls: number;
  indirectCalls: number;
  tracepoints: number;
  tracepointCalls: number;
}

/** Clone suffixes the compiler adds (`tcp_foo.isra.0`, `bar.constprop.3`, `baz.cold`). */
const CLONE_SUFFIX = /\.(?:isra|constprop|part|cold|llvm|lto_priv|localalias)(?:\.\d+)*.*$/;

/** name → definitions: a Map, or the table saved in the cache (cachedDefinitions.ts). */
export interface DefinitionLookup {
  get(name: string): FunctionDef | FunctionDef[] | undefined;
  has(name: string): boolean;
  keys(): IterableIterator<string>;
}

export interface SavedDefinitionLookup extends DefinitionLookup {
  /** The same answers for the index's files now: the saved table with the changed files laid over it. */
  withFiles(current: Iterable<StoredFile>): DefinitionLookup;
}

/** The call-name table as the cache restores it: strings sliced on demand, ids found through a saved hash table. */
export interface CachedNames {
  count: number;
  at(id: number): string;
  is(id: number, name: string): boolean;
  slots: Int32Array;
}

export class KernelIndex implements NameTable {
  private readonly files = new Map<string, StoredFile>();
  /** The name table call arrays refer to; undefined while `cachedNames` serves it (a warm start needs only a few names). */
  private nameList: string[] | undefined = [];
  private cachedNames: CachedNames | undefined;
  /** name → id; after a cache load, built only when a file is added (a million entries cost ~0.5 s). */
  private nameIdMap: Map<string, number> | undefined = new Map<string, number>();
  /**
   * One definition as itself, several as an array: most names have one, and 650k one-element
   * arrays cost a warm start ~1 s. After a cache load, the saved table until the first change.
   */
  private byName: DefinitionLookup = new Map<string, FunctionDef | FunctionDef[]>();
  private savedDefinitions: SavedDefinitionLookup | undefined;
  private changedSinceLoad = false;
  private ops: OpsTables = { byValue: new Map(), byInstance: new Map(), count: 0 };
  private cachedOps: OpsTables | undefined;
  private tracepointsByName = new Map<string, TracepointDef[]>();
  private structTypes = new Map<string, OpsStructType>();
  private dirty = true;
  private gen = 0;

  constructor(public readonly root: string, public kernelVersion?: string) {}

  // --- building ------------------------------------------------------------------------------

  /** Adds or replaces one file's facts. Lookup tables are rebuilt lazily on the next query. */
  setFile(f: FileFacts): void {
    this.addFile(storedForm(f, this));
  }

  /** The same for facts already in stored form (wire.ts), their call names interned here. */
  addFile(f: StoredFile): void {
    this.files.set(f.file, f);
    this.changed();
  }

  private changed(): void {
    this.dirty = true;
    this.changedSinceLoad = true;
    this.cachedOps = undefined;
  }

  removeFile(file: string): boolean {
    const had = this.files.delete(file);
    if (had) this.changed();
    return had;
  }

  hasFile(file: string): boolean {
    return this.files.has(file);
  }

  fileMtime(file: string): number | undefined {
    return this.files.get(file)?.mtimeMs;
  }

  fileList(): string[] {
    return [...this.files.keys()];
  }

  private nameAt(id: number): string {
    return this.nameList ? this.nameList[id] : this.cachedNames!.at(id);
  }

  private get nameCount(): number {
    return this.nameList ? this.nameList.length : this.cachedNames!.count;
  }

  private nameId(name: string): number | undefined {
    if (this.nameIdMap) return this.nameIdMap.get(name);
    if (this.cachedNames) {
      const id = findName(this.cachedNames.slots, name, this.cachedNames.is);
      return id < 0 ? undefined : id;
    }
    return this.nameIds().get(name);
  }

  /** The whole table as an array; the saved hash keeps answering name → id until a name is added. */
  private names(): string[] {
    if (!this.nameList) {
      const c = this.cachedNames!;
      this.nameList = Array.from({ length: c.count }, (_, i) => c.at(i));
    }
    return this.nameList;
  }

  private nameIds(): Map<string, number> {
    if (!this.nameIdMap) {
      const names = this.names();
      const m = new Map<string, number>();
      for (let i = 0; i < names.length; i++) m.set(names[i], i);
      this.nameIdMap = m;
    }
    return this.nameIdMap;
  }

  /** The id of a call name, added when new. */
  internName(s: string): number {
    const ids = this.nameIds();
    this.cachedNames = undefined;
    let id = ids.get(s);
    if (id === undefined) {
      const names = this.names();
      id = names.length;
      names.push(s);
      ids.set(s, id);
    }
    return id;
  }

  /**
   * Rebuilds the lookup tables after a change (~1-2 s for a full 6.12 tree, plus building every
   * function and ops assignment of files read from the cache, the first time); after a cache
   * load, uses the saved ones and derives only the small tables (tracepoints, struct types).
   */
  private refresh(): void {
    if (!this.dirty) return;
    const files = [...this.files.values()];
    let byName: DefinitionLookup | undefined = this.savedDefinitions;
    if (byName && this.changedSinceLoad) byName = this.savedDefinitions!.withFiles(files);
    if (!byName) {
      const m = new Map<string, FunctionDef | FunctionDef[]>();
      for (const f of files) for (const fn of f.functions) for (const key of definitionKeys(fn)) addDefinition(m, key, fn);
      byName = m;
    }
    const tps = new Map<string, TracepointDef[]>();
    for (const f of files) {
      for (const t of f.tracepoints) {
        const a = tps.get(t.name);
        if (a) a.push(t);
        else tps.set(t.name, [t]);
      }
    }
    const { structTypes, macros } = opsContext(files);
    const isDefined = byName;
    const ops = this.cachedOps ?? tablesFromResolved(resolveOps(files, structTypes, macros, (n) => isDefined.has(n)));
    this.byName = byName;
    this.ops = ops;
    this.tracepointsByName = tps;
    this.structTypes = structTypes;
    this.dirty = false;
    this.gen++;
  }

  // --- queries -------------------------------------------------------------------------------

  /** Changes whenever the facts change, so callers can cache derived tables. */
  get generation(): number {
    this.refresh();
    return this.gen;
  }

  /**
   * Definitions for a name as users and traces spell it: plain names, syscall symbols
   * (`__x64_sys_sendto`), compiler clones (`tcp_foo.isra.0`) and `+0x14/0x6c` offsets.
   */
  resolve(symbol: string): FunctionDef[] {
    const key = this.definitionKey(symbol);
    const defs = key === undefined ? undefined : this.byName.get(key);
    return defs === undefined ? [] : Array.isArray(defs) ? defs : [defs];
  }

  /**
   * Whether resolve(symbol) finds a definition, without building any: a warm index builds a
   * file's definitions on first access, and a first hover asks this of 233k ops assignments.
   */
  resolves(symbol: string): boolean {
    return this.definitionKey(symbol) !== undefined;
  }

  /** The name resolve() looks `symbol` up under (offsets and clone suffixes dropped, syscall symbols mapped), if defined. */
  private definitionKey(symbol: string): string | undefined {
    this.refresh();
    const name = symbol.replace(/\+0x[0-9a-f]+(\/0x[0-9a-f]+)?$/i, '').replace(CLONE_SUFFIX, '');
    if (this.byName.has(name)) return name;
    const sys = syscallFunctionName(name);
    return sys && this.byName.has(sys) ? sys : undefined;
  }

  opsOf(fnName: string): OpsAssignment[] {
    this.refresh();
    return this.ops.byValue.get(fnName) ?? [];
  }

  opsInstance(instance: string): OpsAssignment[] {
    this.refresh();
    return this.ops.byInstance.get(instance) ?? [];
  }

  /** Every assignment to instances of a struct type. */
  opsOfStruct(struct: string): OpsAssignment[] {
    this.refresh();
    const out: OpsAssignment[] = [];
    for (const list of this.ops.byInstance.values()) for (const o of list) if (o.struct === struct) out.push(o);
    return out;
  }

  /** Functions registered under a field (`connect`), optionally only in instances of one struct type. */
  implementationsOf(field: string, struct?: string): OpsAssignment[] {
    this.refresh();
    const out: OpsAssignment[] = [];
    for (const list of this.ops.byValue.values()) {
      for (const o of list) {
        const last = o.field.slice(o.field.lastIndexOf('.') + 1);
        if (last === field && (!struct || o.struct === struct) && this.byName.has(o.fn)) out.push(o);
      }
    }
    return out;
  }

  structType(name: string): OpsStructType | undefined {
    this.refresh();
    return this.structTypes.get(name);
  }

  /** Call sites of a function name, across the tree. */
  callersOf(name: string): CallSite[] {
    const id = this.nameId(name);
    if (id === undefined) return [];
    const { files, offsets, sites } = this.callsByCallee();
    const out: CallSite[] = [];
    for (let k = offsets[id]; k < offsets[id + 1]; k++) {
      const f = files[sites[2 * k]];
      const i = sites[2 * k + 1];
      out.push({ caller: this.nameAt(f.calls[i + 1]), callee: name, file: f.file, pos: { line: f.calls[i + 2], col: f.calls[i + 3] } });
    }
    return out;
  }

  /**
   * Call sites of a name inside one file, in source order: the callers of a static function,
   * found without building a CallSite for each of a common name's tree-wide callers.
   */
  callersInFile(name: string, file: string): CallSite[] {
    const out: CallSite[] = [];
    this.forCallsInFile(name, file, (f, i) => {
      out.push({ caller: this.nameAt(f.calls[i + 1]), callee: name, file, pos: { line: f.calls[i + 2], col: f.calls[i + 3] } });
    });
    return out;
  }

  callCountInFile(name: string, file: string): number {
    let n = 0;
    this.forCallsInFile(name, file, () => n++);
    return n;
  }

  private forCallsInFile(name: string, file: string, visit: (f: StoredFile, i: number) => void): void {
    const id = this.nameId(name);
    if (id === undefined) return;
    const { files, offsets, sites } = this.callsByCallee();
    for (let k = offsets[id]; k < offsets[id + 1]; k++) {
      const f = files[sites[2 * k]];
      if (f.file === file) visit(f, sites[2 * k + 1]);
    }
  }

  /** Number of call sites of a name (hover asks on every request). */
  callCount(name: string): number {
    const id = this.nameId(name);
    if (id === undefined) return 0;
    const { offsets } = this.callsByCallee();
    return id + 1 < offsets.length ? offsets[id + 1] - offsets[id] : 0;
  }

  /**
   * Where each name is called: (file, offset in its call array) pairs grouped by callee, built in
   * two passes over the call arrays once per index generation (~0.1 s for a whole kernel). The
   * per-file arrays stay the truth, so an edit only invalidates this; hover and the stability
   * verdicts ask "who calls X" on every request, and a full scan each time cost ~10 ms.
   */
  private callsByCallee(): { files: StoredFile[]; offsets: Int32Array; sites: Int32Array } {
    const gen = this.generation;
    if (this.callIndex && this.callIndex.gen === gen) return this.callIndex;
    const files = [...this.files.values()];
    const offsets = new Int32Array(this.nameCount + 1);
    for (const f of files) for (let i = 0; i < f.calls.length; i += 4) offsets[f.calls[i] + 1]++;
    for (let k = 1; k < offsets.length; k++) offsets[k] += offsets[k - 1];
    const next = offsets.slice(0, offsets.length - 1);
    const sites = new Int32Array(offsets[offsets.length - 1] * 2);
    files.forEach((f, fi) => {
      for (let i = 0; i < f.calls.length; i += 4) {
        const k = next[f.calls[i]]++;
        sites[2 * k] = fi;
        sites[2 * k + 1] = i;
      }
    });
    this.callIndex = { gen, files, offsets, sites };
    return this.callIndex;
  }

  private callIndex: { gen: number; files: StoredFile[]; offsets: Int32Array; sites: Int32Array } | undefined;

  calleesOf(fn: FunctionDef): CallSite[] {
    const f = this.files.get(fn.file);
    const id = this.nameId(fn.name);
    if (!f || id === undefined) return [];
    const out: CallSite[] = [];
    const c = f.calls;
    for (let i = 0; i < c.length; i += 4) {
      if (c[i + 1] === id && c[i + 2] >= fn.span.start.line && c[i + 2] <= fn.span.end.line) {
        out.push({ caller: fn.name, callee: this.nameAt(c[i]), file: f.file, pos: { line: c[i + 2], col: c[i + 3] } });
      }
    }
    return out;
  }

  indirectCallsIn(fn: FunctionDef): IndirectCall[] {
    return (this.files.get(fn.file)?.indirectCalls ?? []).filter((c) => c.caller === fn.name);
  }

  tracepoint(name: string): TracepointDef[] {
    this.refresh();
    return this.tracepointsByName.get(name) ?? [];
  }

  tracepointCallsIn(fn: FunctionDef): TracepointCall[] {
    return (this.files.get(fn.file)?.tracepointCalls ?? []).filter((c) => c.caller === fn.name);
  }

  tracepointCallers(name: string): TracepointCall[] {
    const out: TracepointCall[] = [];
    for (const f of this.files.values()) for (const c of f.tracepointCalls) if (tracepointBaseName(c.name) === name) out.push(c);
    return out;
  }

  functionsInFile(file: string): FunctionDef[] {
    return this.files.get(file)?.functions ?? [];
  }

  fileFacts(file: string): Readonly<StoredFile> | undefined {
    return this.files.get(file);
  }

  /** Every defined function name (one entry per name), for fuzzy symbol search. */
  functionNames(): IterableIterator<string> {
    this.refresh();
    return this.byName.keys();
  }

  allFunctions(): IterableIterator<FunctionDef> {
    const files = this.files.values();
    return (function* () {
      for (const f of files) yield* f.functions;
    })();
  }

  opsInstanceNames(): IterableIterator<string> {
    this.refresh();
    return this.ops.byInstance.keys();
  }

  isExported(name: string): ExportKind | undefined {
    for (const fn of this.resolve(name)) if (fn.exported) return fn.exported;
    return undefined;
  }

  stats(): IndexStats {
    this.refresh();
    const s: IndexStats = {
      files: this.files.size, parsedFiles: 0, filesWithErrors: 0, defineOnlyFiles: 0, skippedFiles: 0, functions: 0,
      syscalls: 0, exports: 0, opsAssignments: 0, opsInstances: this.ops.byInstance.size, opsStructTypes: this.structTypes.size,
      calls: 0, indirectCalls: 0, tracepoints: 0, tracepointCalls: 0,
    };
    for (const f of this.files.values()) {
      if (f.skipped) s.skippedFiles++;
      else if (f.defineOnly) s.defineOnlyFiles++;
      else s.parsedFiles++;
      if (f.hasError) s.filesWithErrors++;
      s.functions += f.functionCount;
      s.syscalls += f.syscallCount;
      s.exports += f.exports.length;
      s.calls += f.calls.length / 4;
      s.indirectCalls += f.indirectCallCount;
      s.tracepoints += f.tracepoints.length;
      s.tracepointCalls += f.tracepointCallCount;
    }
    s.opsAssignments = this.ops.count;
    return s;
  }

  skippedFiles(): { file: string; reason: string }[] {
    const out = [];
    for (const f of this.files.values()) if (f.skipped) out.push({ file: f.file, reason: f.skipped });
    return out;
  }

  /** For persistence: every file's stored form and the name table its call arrays refer to. */
  snapshot(): { names: readonly string[]; files: Iterable<StoredFile>; resolvedOps?: readonly ResolvedOp[] } {
    // tables still current have file numbers that are positions in `files` as iterated now; stale
    // ones are not rebuilt here (a cold CLI index saves before any query: its peak would grow)
    return { names: this.names(), files: this.files.values(), resolvedOps: this.dirty ? undefined : this.ops.resolved };
  }

  /**
   * Restores what cacheCodec.ts decoded; call arrays keep their ids because the name table comes
   * with them. `definitions` answers name lookups until the first change.
   */
  restore(names: CachedNames, files: Iterable<StoredFile>, definitions: SavedDefinitionLookup, ops: OpsTables): void {
    this.nameList = undefined;
    this.cachedNames = names;
    this.nameIdMap = undefined;
    this.files.clear();
    for (const f of files) this.files.set(f.file, f);
    this.dirty = true;
    this.savedDefinitions = definitions;
    this.changedSinceLoad = false;
    this.cachedOps = ops;
  }
}


/** `trace_foo_rcuidle(…)` and `trace_foo_enabled()` belong to tracepoint `foo` (the `trace_` prefix is optional). */
export function tracepointBaseName(callName: string): string {
  return callName.replace(/^trace_/, '').replace(/_(rcuidle|enabled)$/, '');
}

/** The names a definition answers to: its own, and a syscall's symbols (`__x64_sys_sendto`). */
export function definitionKeys(fn: FunctionDef): readonly string[] {
  return fn.syscall ? [fn.name, ...fn.syscall.symbols] : [fn.name];
}

function addDefinition(m: Map<string, FunctionDef | FunctionDef[]>, name: string, fn: FunctionDef): void {
  const have = m.get(name);
  if (have === undefined) m.set(name, fn);
  else if (Array.isArray(have)) have.push(fn);
  else m.set(name, [have, fn]);
}


