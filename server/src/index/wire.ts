/**
 * The form facts travel in from a parser worker to the index: per batch of files, the strings the
 * worker has not sent before, then every fact as 32-bit integers (string ids, lines, columns).
 *
 * Structured-cloning the facts as objects (700k functions, their parameters, 3.5M call sites, ops
 * assignments with their positions) cost the workers ~3 s each to serialise and the main process
 * more than that to deserialise, intern and share, on both cores the parsers need. Here a worker
 * keeps one dictionary for its lifetime (a type, field or callee is sent once), the main process
 * keeps the matching string list per worker (WireReader), so a repeated string arrives as the one
 * shared copy and a call name's index id is looked up once per worker, not once per file.
 */
import { IntColumn } from './intColumn';
import { paramsKey, QualifierLists, StoredFunction, withFile, withoutFile, type StoredFile } from './storedFile';
import type { ExportKind, FileFacts, IndirectCall, InstanceMacro, OpsAssignment, OpsStructType, SyscallInfo, TracepointCall, TracepointDef } from './model';

/** One batch: `fresh` strings continue the worker's string ids; `ints` and `nums` hold `files` files. */
export interface WireBatch { fresh: string[]; ints: Int32Array; nums: Float64Array; files: number }

/** The index's call-name table, which call sites refer to. */
export interface NameTable { internName(name: string): number }

const HAS_ERROR = 1;
const DEFINE_ONLY = 2;
const FILE_INTS = 10;
const FN_INTS = 15;
const OPS_INTS = 8;
const CALL_INTS = 4;
const INDIRECT_INTS = 6;
const TP_CALL_INTS = 4;

/** Struct types, tracepoints and instance macros: a few thousand in a tree, sent as one JSON string per file that has any. */
type Rare = [Omit<OpsStructType, 'file'>[], Omit<TracepointDef, 'file'>[], InstanceMacro[]];

/** Worker side: one per worker process, so its dictionary spans every batch it sends. */
export class WireWriter {
  private readonly ids = new Map<string, number>();
  private next = 0;
  private fresh: string[] = [];
  private ints = new IntColumn();
  private nums: number[] = [];
  private files = 0;

  /** A string the reader may have already: its id, sent once. */
  private s(x: string): number {
    let k = this.ids.get(x);
    if (k === undefined) {
      k = this.next++;
      this.ids.set(x, k);
      this.fresh.push(x);
    }
    return k;
  }

  /** A string that is almost always unique (signatures, expressions, JSON): no lookup, sent every time. */
  private once(x: string): number {
    this.fresh.push(x);
    return this.next++;
  }

  add(f: FileFacts): void {
    const c = this.ints;
    const rare = f.opsTypes.length || f.tracepoints.length || f.instanceMacros.length
      ? this.once(JSON.stringify([withoutFile(f.opsTypes), withoutFile(f.tracepoints), f.instanceMacros] satisfies Rare)) : -1;
    c.push(this.once(f.file));
    c.push((f.hasError ? HAS_ERROR : 0) | (f.defineOnly ? DEFINE_ONLY : 0));
    c.push(f.skipped === undefined ? -1 : this.once(f.skipped));
    c.push(f.functions.length); c.push(f.exports.length); c.push(f.ops.length); c.push(f.calls.length);
    c.push(f.indirectCalls.length); c.push(f.tracepointCalls.length); c.push(rare);
    this.nums.push(f.size, f.mtimeMs);
    for (const fn of f.functions) {
      c.push(this.s(fn.name)); c.push(this.once(fn.signature)); c.push(this.s(fn.returnType)); c.push(this.s(paramsKey(fn.params)));
      c.push(this.s(fn.qualifiers.join(' '))); c.push(fn.exported ? this.s(fn.exported) : -1);
      c.push(fn.syscall ? this.once(JSON.stringify(fn.syscall)) : -1);
      const a = fn.span, n = fn.nameSpan;
      c.push(a.start.line); c.push(a.start.col); c.push(a.end.line); c.push(a.end.col);
      c.push(n.start.line); c.push(n.start.col); c.push(n.end.line); c.push(n.end.col);
    }
    for (const e of f.exports) { c.push(this.s(e.name)); c.push(this.s(e.kind)); }
    for (const o of f.ops) {
      c.push(this.s(o.instance)); c.push(this.s(o.struct)); c.push(this.s(o.field)); c.push(this.s(o.fn));
      c.push(o.pos.line); c.push(o.pos.col); c.push(o.instancePos.line); c.push(o.instancePos.col);
    }
    // Millions of call sites: a file's few hundred callees through a small table, and its callers
    // come in runs (one per function), so the dictionary of the whole tree is consulted once per
    // name and file.
    const callees = new Map<string, number>();
    let caller: string | undefined;
    let callerId = -1;
    for (const k of f.calls) {
      let callee = callees.get(k.callee);
      if (callee === undefined) callees.set(k.callee, (callee = this.s(k.callee)));
      if (k.caller !== caller) { caller = k.caller; callerId = this.s(caller); }
      c.push(callee); c.push(callerId); c.push(k.pos.line); c.push(k.pos.col);
    }
    for (const k of f.indirectCalls) {
      c.push(this.s(k.caller)); c.push(this.s(k.field)); c.push(k.struct === undefined ? -1 : this.s(k.struct)); c.push(this.once(k.expr));
      c.push(k.pos.line); c.push(k.pos.col);
    }
    for (const k of f.tracepointCalls) { c.push(this.s(k.caller)); c.push(this.s(k.name)); c.push(k.pos.line); c.push(k.pos.col); }
    this.files++;
  }

  /** The batch of the files added since the last take; the dictionary stays. */
  take(): WireBatch {
    const batch: WireBatch = { fresh: this.fresh, ints: this.ints.copy(), nums: Float64Array.from(this.nums), files: this.files };
    this.fresh = [];
    this.ints.length = 0;
    this.nums = [];
    this.files = 0;
    return batch;
  }
}

/** Main side: one per WireWriter, reading its batches in the order they were taken. */
export class WireReader {
  private readonly strings: string[] = [];
  /** Per string id: its call-name id in the index (-1: not looked up yet). */
  private nameIds = new Int32Array(1 << 14).fill(-1);
  private readonly qualifiers = new QualifierLists((id) => this.strings[id]);

  constructor(private readonly names: NameTable) {}

  read(batch: WireBatch): StoredFile[] {
    for (const s of batch.fresh) this.strings.push(s);
    const c = batch.ints;
    const str = this.strings;
    const out: StoredFile[] = new Array(batch.files);
    let at = 0;
    for (let i = 0; i < batch.files; i++) {
      if (at + FILE_INTS > c.length) throw new Error('wire batch truncated');
      const file = str[c[at]];
      const flags = c[at + 1];
      const nFn = c[at + 3], nExp = c[at + 4], nOps = c[at + 5], nCalls = c[at + 6], nInd = c[at + 7], nTp = c[at + 8];
      const rare: Rare = c[at + 9] >= 0 ? JSON.parse(str[c[at + 9]]) as Rare : [[], [], []];
      const skipped = c[at + 2] >= 0 ? str[c[at + 2]] : undefined;
      at += FILE_INTS;
      const functions: StoredFunction[] = new Array(nFn);
      let syscalls = 0;
      for (let j = 0; j < nFn; j++, at += FN_INTS) {
        const fn = new StoredFunction();
        fn.name = str[c[at]];
        fn.file = file;
        fn.signature = str[c[at + 1]];
        fn.returnType = str[c[at + 2]];
        fn.pk = str[c[at + 3]];
        fn.qualifiers = this.qualifiers.get(c[at + 4]);
        if (c[at + 5] >= 0) fn.exported = str[c[at + 5]] as ExportKind;
        if (c[at + 6] >= 0) { fn.syscall = JSON.parse(str[c[at + 6]]) as SyscallInfo; syscalls++; }
        fn.setSpans(c, at + 7);
        functions[j] = fn;
      }
      const exports: { name: string; kind: ExportKind }[] = new Array(nExp);
      for (let j = 0; j < nExp; j++, at += 2) exports[j] = { name: str[c[at]], kind: str[c[at + 1]] as ExportKind };
      const ops: OpsAssignment[] = new Array(nOps);
      for (let j = 0; j < nOps; j++, at += OPS_INTS) {
        ops[j] = {
          instance: str[c[at]], struct: str[c[at + 1]], field: str[c[at + 2]], fn: str[c[at + 3]], file,
          pos: { line: c[at + 4], col: c[at + 5] }, instancePos: { line: c[at + 6], col: c[at + 7] },
        };
      }
      const calls = new Int32Array(nCalls * CALL_INTS);
      for (let j = 0; j < calls.length; j += CALL_INTS, at += CALL_INTS) {
        calls[j] = this.nameId(c[at]);
        calls[j + 1] = this.nameId(c[at + 1]);
        calls[j + 2] = c[at + 2];
        calls[j + 3] = c[at + 3];
      }
      const indirectCalls: IndirectCall[] = new Array(nInd);
      for (let j = 0; j < nInd; j++, at += INDIRECT_INTS) {
        const k: IndirectCall = { caller: str[c[at]], field: str[c[at + 1]], expr: str[c[at + 3]], file, pos: { line: c[at + 4], col: c[at + 5] } };
        if (c[at + 2] >= 0) k.struct = str[c[at + 2]];
        indirectCalls[j] = k;
      }
      const tracepointCalls: TracepointCall[] = new Array(nTp);
      for (let j = 0; j < nTp; j++, at += TP_CALL_INTS) {
        tracepointCalls[j] = { caller: str[c[at]], name: str[c[at + 1]], file, pos: { line: c[at + 2], col: c[at + 3] } };
      }
      const stored: StoredFile = {
        file, size: batch.nums[2 * i], mtimeMs: batch.nums[2 * i + 1], hasError: (flags & HAS_ERROR) !== 0,
        functions, functionCount: nFn, syscallCount: syscalls, indirectCallCount: nInd, tracepointCallCount: nTp,
        exports, ops, opsTypes: withFile(rare[0], file), calls, indirectCalls,
        tracepoints: withFile(rare[1], file), tracepointCalls, instanceMacros: rare[2],
      };
      if (skipped !== undefined) stored.skipped = skipped;
      if (flags & DEFINE_ONLY) stored.defineOnly = true;
      out[i] = stored;
    }
    if (at !== c.length) throw new Error('wire batch malformed');
    return out;
  }

  private nameId(id: number): number {
    if (id >= this.nameIds.length) {
      const bigger = new Int32Array(Math.max(id + 1, this.nameIds.length * 2)).fill(-1);
      bigger.set(this.nameIds);
      this.nameIds = bigger;
    }
    let k = this.nameIds[id];
    if (k < 0) this.nameIds[id] = k = this.names.internName(this.strings[id]);
    return k;
  }
}

/** One file's facts as the index stores them, through a writer and reader of their own (an edit, a worker's crash). */
export function storedForm(f: FileFacts, names: NameTable): StoredFile {
  const w = new WireWriter();
  w.add(f);
  return new WireReader(names).read(w.take())[0];
}
