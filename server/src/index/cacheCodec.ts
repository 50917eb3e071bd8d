/**
 * The index's columnar on-disk form: one string table, then each kind of fact as columns of
 * 32-bit integers (string ids, lines, columns), read back with a few big reads and no per-object
 * deserialisation. The few thousand rarer facts (struct types, calls through fields, tracepoints)
 * ride along as one JSON document.
 *
 * Layout: sections one after another, each a u32 byte length then the bytes, padded to 8.
 */
import type { ExportKind, IndirectCall, InstanceMacro, OpsAssignment, OpsStructType, Qualifier, SyscallInfo, TracepointCall, TracepointDef } from './model';
import { StoredFunction, type StoredFile } from './kernelIndex';

const FN_INTS = 15;
const OPS_INTS = 8;
const FILE_INTS = 8;
const HAS_ERROR = 1;
const DEFINE_ONLY = 2;

interface Rare {
  syscalls: SyscallInfo[];
  /** Per file index with anything in it: [index, opsTypes, indirectCalls, tracepoints, tracepointCalls, instanceMacros]. */
  files: [number, Omit<OpsStructType, 'file'>[], Omit<IndirectCall, 'file'>[], Omit<TracepointDef, 'file'>[], Omit<TracepointCall, 'file'>[], InstanceMacro[]][];
}

class Strings {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let k = this.ids.get(s);
    if (k === undefined) { k = this.list.length; this.list.push(s); this.ids.set(s, k); }
    return k;
  }
}

class IntColumn {
  private buf = new Int32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }
  bytes(): Buffer {
    return Buffer.from(this.buf.buffer, 0, this.length * 4);
  }
}

const strip = <T extends { file: string }>(xs: T[]): Omit<T, 'file'>[] => xs.map(({ file: _f, ...rest }) => rest);

export function encodeIndex(names: readonly string[], files: Iterable<StoredFile>): Buffer[] {
  const strings = new Strings();
  for (const n of names) strings.id(n); // name table first: name id i is string i
  const fileInts = new IntColumn();
  const fileNums: number[] = [];
  const fns = new IntColumn();
  const exps = new IntColumn();
  const ops = new IntColumn();
  const calls: Int32Array[] = [];
  const rare: Rare = { syscalls: [], files: [] };
  const s = (x: string | undefined) => (x === undefined ? -1 : strings.id(x));
  let fileIndex = 0;
  for (const f of files) {
    fileInts.push(s(f.file));
    fileInts.push((f.hasError ? HAS_ERROR : 0) | (f.defineOnly ? DEFINE_ONLY : 0));
    fileInts.push(s(f.skipped));
    fileInts.push(f.functions.length);
    fileInts.push(f.exports.length);
    fileInts.push(f.ops.length);
    fileInts.push(f.calls.length);
    fileInts.push(0);
    fileNums.push(f.size, f.mtimeMs);
    for (const fn of f.functions) {
      fns.push(s(fn.name)); fns.push(s(fn.signature)); fns.push(s(fn.returnType)); fns.push(s(fn.pk));
      fns.push(s(fn.qualifiers.join(' '))); fns.push(s(fn.exported));
      if (fn.syscall) { fns.push(rare.syscalls.length); rare.syscalls.push(fn.syscall); } else fns.push(-1);
      fns.push(fn.a0); fns.push(fn.a1); fns.push(fn.a2); fns.push(fn.a3);
      fns.push(fn.n0); fns.push(fn.n1); fns.push(fn.n2); fns.push(fn.n3);
    }
    for (const e of f.exports) { exps.push(s(e.name)); exps.push(s(e.kind)); }
    for (const o of f.ops) {
      ops.push(s(o.instance)); ops.push(s(o.struct)); ops.push(s(o.field)); ops.push(s(o.fn));
      ops.push(o.pos.line); ops.push(o.pos.col); ops.push(o.instancePos.line); ops.push(o.instancePos.col);
    }
    calls.push(f.calls);
    if (f.opsTypes.length || f.indirectCalls.length || f.tracepoints.length || f.tracepointCalls.length || f.instanceMacros.length) {
      rare.files.push([fileIndex, strip(f.opsTypes), strip(f.indirectCalls), strip(f.tracepoints), strip(f.tracepointCalls), f.instanceMacros]);
    }
    fileIndex++;
  }
  const lengths = new Int32Array(strings.list.length + 1);
  lengths[0] = names.length;
  strings.list.forEach((x, i) => { lengths[i + 1] = x.length; });
  const callBytes = Buffer.concat(calls.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const sections = [
    Buffer.from(lengths.buffer), Buffer.from(strings.list.join(''), 'utf8'), fileInts.bytes(), Buffer.from(new Float64Array(fileNums).buffer),
    fns.bytes(), exps.bytes(), ops.bytes(), callBytes, Buffer.from(JSON.stringify(rare), 'utf8'),
  ];
  const out: Buffer[] = [];
  for (const sec of sections) {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(sec.length, 0);
    out.push(head, sec);
    const pad = (8 - (sec.length % 8)) % 8;
    if (pad) out.push(Buffer.alloc(pad));
  }
  return out;
}

/** Reverses `encodeIndex`; throws on a malformed payload (the caller then discards the cache). */
export function decodeIndex(payload: Buffer): { names: string[]; files: StoredFile[] } {
  const sections: Buffer[] = [];
  for (let at = 0; at < payload.length;) {
    if (at + 8 > payload.length) throw new Error('section header past the end');
    const len = payload.readUInt32LE(at);
    at += 8;
    if (at + len > payload.length) throw new Error('section past the end');
    sections.push(payload.subarray(at, at + len));
    at += len + ((8 - (len % 8)) % 8);
  }
  if (sections.length !== 9) throw new Error(`${sections.length} sections, expected 9`);
  const [lenSec, blobSec, fileSec, numSec, fnSec, expSec, opsSec, callSec, rareSec] = sections;
  const lengths = ints(lenSec);
  const blob = blobSec.toString('utf8');
  const str: string[] = new Array(lengths.length - 1);
  for (let i = 1, at = 0; i < lengths.length; i++) {
    str[i - 1] = blob.slice(at, at + lengths[i]);
    at += lengths[i];
  }
  const names = str.slice(0, lengths[0]);
  const fileInts = ints(fileSec);
  const nums = new Float64Array(numSec.buffer.slice(numSec.byteOffset, numSec.byteOffset + numSec.length));
  const fnInts = ints(fnSec);
  const expInts = ints(expSec);
  const opsInts = ints(opsSec);
  // A copy, so the per-file views do not keep the whole file buffer alive.
  const callInts = new Int32Array(callSec.length >> 2);
  callInts.set(ints(callSec));
  const rare = JSON.parse(rareSec.toString('utf8')) as Rare;
  const qualifierLists = new Map<number, Qualifier[]>();
  const opt = (id: number) => (id < 0 ? undefined : str[id]);

  const files: StoredFile[] = [];
  let fi = 0, ei = 0, oi = 0, ci = 0;
  for (let k = 0; k * FILE_INTS < fileInts.length; k++) {
    const b = k * FILE_INTS;
    const file = str[fileInts[b]];
    const flags = fileInts[b + 1];
    const functions: StoredFunction[] = new Array(fileInts[b + 3]);
    for (let j = 0; j < functions.length; j++, fi += FN_INTS) {
      const fn = new StoredFunction();
      fn.name = str[fnInts[fi]];
      fn.file = file;
      fn.signature = str[fnInts[fi + 1]];
      fn.returnType = str[fnInts[fi + 2]];
      fn.pk = str[fnInts[fi + 3]];
      const q = fnInts[fi + 4];
      let quals = qualifierLists.get(q);
      if (!quals) qualifierLists.set(q, (quals = str[q] === '' ? [] : (str[q].split(' ') as Qualifier[])));
      fn.qualifiers = quals;
      if (fnInts[fi + 5] >= 0) fn.exported = str[fnInts[fi + 5]] as ExportKind;
      if (fnInts[fi + 6] >= 0) fn.syscall = rare.syscalls[fnInts[fi + 6]];
      fn.setSpans(fnInts, fi + 7);
      functions[j] = fn;
    }
    const exports: { name: string; kind: ExportKind }[] = new Array(fileInts[b + 4]);
    for (let j = 0; j < exports.length; j++, ei += 2) exports[j] = { name: str[expInts[ei]], kind: str[expInts[ei + 1]] as ExportKind };
    const ops: OpsAssignment[] = new Array(fileInts[b + 5]);
    for (let j = 0; j < ops.length; j++, oi += OPS_INTS) {
      ops[j] = {
        instance: str[opsInts[oi]], struct: str[opsInts[oi + 1]], field: str[opsInts[oi + 2]], fn: str[opsInts[oi + 3]], file,
        pos: { line: opsInts[oi + 4], col: opsInts[oi + 5] }, instancePos: { line: opsInts[oi + 6], col: opsInts[oi + 7] },
      };
    }
    const nCalls = fileInts[b + 6];
    const stored: StoredFile = {
      file, size: nums[k * 2], mtimeMs: nums[k * 2 + 1], hasError: (flags & HAS_ERROR) !== 0,
      functions, exports, ops, opsTypes: [], calls: callInts.subarray(ci, ci + nCalls),
      indirectCalls: [], tracepoints: [], tracepointCalls: [], instanceMacros: [],
    };
    ci += nCalls;
    const skipped = opt(fileInts[b + 2]);
    if (skipped !== undefined) stored.skipped = skipped;
    if (flags & DEFINE_ONLY) stored.defineOnly = true;
    files.push(stored);
  }
  if (fi !== fnInts.length || ei !== expInts.length || oi !== opsInts.length || ci !== callInts.length) throw new Error('columns do not add up');
  for (const [k, opsTypes, indirect, tps, tpCalls, macros] of rare.files) {
    const f = files[k];
    if (!f) throw new Error('rare facts for a missing file');
    const file = f.file;
    f.opsTypes = opsTypes.map((t) => ({ ...t, file }));
    f.indirectCalls = indirect.map((c) => ({ ...c, file }));
    f.tracepoints = tps.map((t) => ({ ...t, file }));
    f.tracepointCalls = tpCalls.map((c) => ({ ...c, file }));
    f.instanceMacros = macros;
  }
  return { names, files };
}

function ints(b: Buffer): Int32Array {
  if (b.length % 4 !== 0) throw new Error('column length not a multiple of 4');
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}
