/**
 * The index's columnar on-disk form: one string table, then each kind of fact as columns of
 * 32-bit integers (string ids, lines, columns), read back with a few big reads and no per-object
 * deserialisation. The few thousand rarer facts (struct types, tracepoints, syscalls) ride along as
 * one JSON document; calls through fields and tracepoint calls as one JSON string per file, parsed
 * when that file is asked about. The lookup tables a first answer needs (call name → id, name →
 * definitions, ops by function and by instance) are saved too, as hash tables over string ids
 * (nameHash.ts, savedGroups.ts), so a warm start builds none of them; functions, ops assignments
 * and strings are materialised per file on first use.
 *
 * Layout: sections one after another, each a u32 byte length then the bytes, padded to 8; each
 * section is read into its own buffer, so its integer columns are used in place.
 */
import type { ExportKind, IndirectCall, InstanceMacro, OpsAssignment, OpsStructType, SyscallInfo, TracepointCall, TracepointDef } from './model';
import type { CachedNames } from './kernelIndex';
import { QualifierLists, StoredFunction, withFile, withoutFile, type StoredFile } from './storedFile';
import { CachedDefinitions, definitionColumns } from './cachedDefinitions';
import { buildNameHash, findName, validNameHash } from './nameHash';
import { opsContext, resolveOps, SavedOps, SavedOpsLookup, savedOpsColumns, type OpsTables, type ResolvedOp } from './opsTables';
import { SavedGroups, type GroupColumns } from './savedGroups';
import { IntColumn } from './intColumn';
import { encodeStrings, StringTable } from './stringTable';

const FN_INTS = 15;
const OPS_INTS = 8;
const FILE_INTS = 10;
const HAS_ERROR = 1;
const DEFINE_ONLY = 2;

interface Rare {
  syscalls: SyscallInfo[];
  /** Per file index with anything in it: [index, opsTypes, tracepoints, instanceMacros]. */
  files: [number, Omit<OpsStructType, 'file'>[], Omit<TracepointDef, 'file'>[], InstanceMacro[]][];
}

/** A file's calls through fields and tracepoint calls, as saved in one string. */
type CallFacts = [Omit<IndirectCall, 'file'>[], Omit<TracepointCall, 'file'>[]];

class Strings {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let k = this.ids.get(s);
    if (k === undefined) { k = this.list.length; this.list.push(s); this.ids.set(s, k); }
    return k;
  }

  /** Strings known to be distinct and new (the name table): no lookup. */
  addNew(s: string): void {
    this.ids.set(s, this.list.length);
    this.list.push(s);
  }

  /** For strings that are almost always unique (signatures): no lookup, a duplicate costs only its bytes. */
  add(s: string): number {
    this.list.push(s);
    return this.list.length - 1;
  }
}


const SECTIONS = 23;

/** `resolvedOps`: the index's kept ops assignments for exactly these files, when it has them (else derived here). */
export function encodeIndex(names: readonly string[], fileIterable: Iterable<StoredFile>, resolvedOps?: readonly ResolvedOp[]): Buffer[] {
  const files = [...fileIterable];
  const strings = new Strings();
  for (const n of names) strings.addNew(n); // name table first: name id i is string i
  // Functions share a few hundred qualifier lists (as objects) and ~15k return types: small
  // tables in front of the million-entry one, which costs a cache miss per lookup.
  const qualifierIds = new Map<readonly string[], number>();
  const returnTypeIds = new Map<string, number>();
  const q = (list: readonly string[]) => {
    let k = qualifierIds.get(list);
    if (k === undefined) qualifierIds.set(list, (k = strings.id(list.join(' '))));
    return k;
  };
  const r = (type: string) => {
    let k = returnTypeIds.get(type);
    if (k === undefined) returnTypeIds.set(type, (k = strings.id(type)));
    return k;
  };
  const fileInts = new IntColumn(1 << 16);
  const fileNums: number[] = [];
  const fns = new IntColumn(1 << 16);
  const exps = new IntColumn(1 << 16);
  const ops = new IntColumn(1 << 16);
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
    const hasCallFacts = f.indirectCalls.length > 0 || f.tracepointCalls.length > 0;
    fileInts.push(hasCallFacts ? strings.add(JSON.stringify([withoutFile(f.indirectCalls), withoutFile(f.tracepointCalls)] satisfies CallFacts)) : -1);
    fileInts.push(f.indirectCalls.length);
    fileInts.push(f.tracepointCalls.length);
    fileNums.push(f.size, f.mtimeMs);
    for (const fn of f.functions) {
      fns.push(s(fn.name)); fns.push(strings.add(fn.signature)); fns.push(r(fn.returnType)); fns.push(s(fn.pk));
      fns.push(q(fn.qualifiers)); fns.push(s(fn.exported));
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
    if (f.opsTypes.length || f.tracepoints.length || f.instanceMacros.length) {
      rare.files.push([fileIndex, withoutFile(f.opsTypes), withoutFile(f.tracepoints), f.instanceMacros]);
    }
    fileIndex++;
  }
  // the lookup tables a first answer needs, saved so a warm start builds none of them
  const text = (id: number) => strings.list[id];
  const defs = definitionColumns(files, (x) => strings.id(x), text);
  const resolved = resolvedOps ?? (() => {
    const { structTypes, macros } = opsContext(files);
    return resolveOps(files, structTypes, macros, (n) => findName(defs.slots, n, (k, name) => text(defs.keyIds[k]) === name) >= 0);
  })();
  const savedOps = savedOpsColumns(resolved, files, (x) => strings.id(x), text);
  const bytes = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const groupSections = (g: GroupColumns) => [bytes(g.keyIds), bytes(g.ends), bytes(g.tuples), bytes(g.slots)];
  const tables = [bytes(buildNameHash(names)), ...groupSections(defs), bytes(Int32Array.from(savedOps.kept)), ...groupSections(savedOps.byValue), ...groupSections(savedOps.byInstance)];
  const encoded = encodeStrings(strings.list);
  // the name count, then where each string ends in the text
  const ends = new Int32Array(strings.list.length + 1);
  ends[0] = names.length;
  ends.set(encoded.ends, 1);
  const callBytes = Buffer.concat(calls.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const sections = [
    bytes(ends), encoded.bytes, fileInts.bytes(), Buffer.from(new Float64Array(fileNums).buffer),
    fns.bytes(), exps.bytes(), ops.bytes(), callBytes, Buffer.from(JSON.stringify(rare), 'utf8'),
    ...tables,
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

/**
 * Reads the sections of a payload of `length` bytes through `read` (which fills the buffer it is
 * given, or throws), each into a buffer of its own.
 */
export function readSections(length: number, read: (into: Uint8Array) => void): Uint8Array[] {
  const sections: Uint8Array[] = [];
  const head = new Uint8Array(8);
  for (let at = 0; at < length;) {
    if (at + 8 > length || sections.length === SECTIONS) throw new Error('section header past the end');
    read(head);
    const len = new DataView(head.buffer).getUint32(0, true);
    const pad = (8 - (len % 8)) % 8;
    at += 8;
    if (at + len + pad > length) throw new Error('section past the end');
    const sec = new Uint8Array(len);
    read(sec);
    if (pad) read(new Uint8Array(pad));
    sections.push(sec);
    at += len + pad;
  }
  if (sections.length !== SECTIONS) throw new Error(`${sections.length} sections, expected ${SECTIONS}`);
  return sections;
}

export interface DecodedIndex { names: CachedNames; files: StoredFile[]; definitions: CachedDefinitions; ops: OpsTables }

/** Reverses `encodeIndex`; throws on a malformed payload (the caller then discards the cache). */
export function decodeIndex(sections: Uint8Array[]): DecodedIndex {
  if (sections.length !== SECTIONS) throw new Error(`${sections.length} sections, expected ${SECTIONS}`);
  const [endSec, blobSec, fileSec, numSec, fnSec, expSec, opsSec, callSec, rareSec, nameSlotSec, ...tableSecs] = sections;
  const endsWithCount = ints(endSec);
  if (endsWithCount.length < 1) throw new Error('no string table');
  const nameCount = endsWithCount[0];
  const strings = new StringTable(Buffer.from(blobSec.buffer, blobSec.byteOffset, blobSec.length), endsWithCount.subarray(1));
  if (nameCount < 0 || nameCount > strings.size) throw new Error('name table larger than the string table');
  const str = (id: number) => strings.get(id);
  const fileInts = ints(fileSec);
  if (numSec.length % 8 !== 0) throw new Error('file numbers not a multiple of 8');
  const nums = new Float64Array(numSec.buffer, numSec.byteOffset, numSec.length >> 3);
  const fnInts = ints(fnSec);
  const expInts = ints(expSec);
  const opsInts = ints(opsSec);
  const callInts = ints(callSec);
  const rare = JSON.parse(Buffer.from(rareSec.buffer, rareSec.byteOffset, rareSec.length).toString('utf8')) as Rare;
  const fnColumns = new FunctionColumns(fnInts, strings, rare.syscalls);
  const opsColumns = new OpsColumns(opsInts, strings);
  const opt = (id: number) => (id < 0 ? undefined : str(id));
  if (fileInts.length % FILE_INTS !== 0 || nums.length !== (fileInts.length / FILE_INTS) * 2) throw new Error('file columns do not add up');

  const files: StoredFile[] = [];
  let fi = 0, ei = 0, oi = 0, ci = 0;
  for (let k = 0; k * FILE_INTS < fileInts.length; k++) {
    const b = k * FILE_INTS;
    const file = str(fileInts[b]);
    const flags = fileInts[b + 1];
    const nFns = fileInts[b + 3];
    if (nFns < 0 || fi + nFns * FN_INTS > fnInts.length) throw new Error('function column too short');
    const nExports = fileInts[b + 4];
    const exports: { name: string; kind: ExportKind }[] = nExports === 0 ? NONE : new Array(nExports);
    for (let j = 0; j < exports.length; j++, ei += 2) exports[j] = { name: str(expInts[ei]), kind: str(expInts[ei + 1]) as ExportKind };
    const nOps = fileInts[b + 5];
    if (nOps < 0 || oi + nOps * OPS_INTS > opsInts.length) throw new Error('ops column too short');
    const nCalls = fileInts[b + 6];
    if (nCalls < 0 || nCalls % 4 !== 0 || ci + nCalls > callInts.length) throw new Error('call column too short');
    for (let i = ci; i < ci + nCalls; i += 4) if (callInts[i] < 0 || callInts[i] >= nameCount || callInts[i + 1] < 0 || callInts[i + 1] >= nameCount) throw new Error('call name out of range');
    const callFacts = fileInts[b + 7];
    if (callFacts >= strings.size || fileInts[b + 8] < 0 || fileInts[b + 9] < 0) throw new Error('call facts out of range');
    const stored = new CachedFile(fnColumns, fi, nFns, opsColumns, oi, nOps, file, nums[k * 2], nums[k * 2 + 1], (flags & HAS_ERROR) !== 0, exports, callInts.subarray(ci, ci + nCalls));
    if (callFacts >= 0) stored.setCallFacts(strings, callFacts, fileInts[b + 8], fileInts[b + 9]);
    fi += nFns * FN_INTS;
    oi += nOps * OPS_INTS;
    ci += nCalls;
    const skipped = opt(fileInts[b + 2]);
    if (skipped !== undefined) stored.skipped = skipped;
    if (flags & DEFINE_ONLY) stored.defineOnly = true;
    files.push(stored);
  }
  if (fi !== fnInts.length || ei !== expInts.length || oi !== opsInts.length || ci !== callInts.length) throw new Error('columns do not add up');
  for (const [k, opsTypes, tps, macros] of rare.files) {
    const f = files[k];
    if (!f) throw new Error('rare facts for a missing file');
    const file = f.file;
    f.opsTypes = withFile(opsTypes, file);
    f.tracepoints = withFile(tps, file);
    f.instanceMacros = macros;
  }
  const nameSlots = ints(nameSlotSec);
  if (!validNameHash(nameSlots, nameCount)) throw new Error('name hash table malformed');
  const groups = (at: number, width: number) => new SavedGroups(strings, ints(tableSecs[at]), ints(tableSecs[at + 1]), ints(tableSecs[at + 2]), ints(tableSecs[at + 3]), width);
  const definitions = new CachedDefinitions(groups(0, 2), files);
  const kept = new SavedOps(ints(tableSecs[4]), strings, files, (k) => (files[k] as CachedFile).opsCount);
  const ops: OpsTables = { byValue: new SavedOpsLookup(groups(5, 1), kept), byInstance: new SavedOpsLookup(groups(9, 1), kept), count: kept.count };
  return { names: { count: nameCount, at: str, is: (id, name) => strings.equals(id, name), slots: nameSlots }, files, definitions, ops };
}

/** The saved function columns, turned into StoredFunctions one file at a time. */
class FunctionColumns {
  private readonly qualifiers: QualifierLists;

  constructor(private readonly ints: Int32Array, private readonly strings: StringTable, private readonly syscalls: SyscallInfo[]) {
    this.qualifiers = new QualifierLists((id) => strings.get(id));
  }

  syscallCount(first: number, count: number): number {
    let n = 0;
    for (let i = 0, at = first + 6; i < count; i++, at += FN_INTS) if (this.ints[at] >= 0) n++;
    return n;
  }

  functions(first: number, count: number, file: string): StoredFunction[] {
    const c = this.ints;
    const str = (id: number) => this.strings.get(id);
    const out: StoredFunction[] = new Array(count);
    for (let j = 0, at = first; j < count; j++, at += FN_INTS) {
      const fn = new StoredFunction();
      fn.name = str(c[at]);
      fn.file = file;
      fn.signature = str(c[at + 1]);
      fn.returnType = str(c[at + 2]);
      fn.pk = str(c[at + 3]);
      fn.qualifiers = this.qualifiers.get(c[at + 4]);
      if (c[at + 5] >= 0) fn.exported = str(c[at + 5]) as ExportKind;
      if (c[at + 6] >= 0) {
        const sys = this.syscalls[c[at + 6]];
        if (!sys) throw new Error('syscall index out of range');
        fn.syscall = sys;
      }
      fn.setSpans(c, at + 7);
      out[j] = fn;
    }
    return out;
  }
}

/** The saved ops columns, turned into assignments one file at a time. */
class OpsColumns {
  constructor(private readonly ints: Int32Array, private readonly strings: StringTable) {}

  ops(first: number, count: number, file: string): OpsAssignment[] {
    const c = this.ints;
    const str = (id: number) => this.strings.get(id);
    const out: OpsAssignment[] = new Array(count);
    for (let j = 0, at = first; j < count; j++, at += OPS_INTS) {
      out[j] = {
        instance: str(c[at]), struct: str(c[at + 1]), field: str(c[at + 2]), fn: str(c[at + 3]), file,
        pos: { line: c[at + 4], col: c[at + 5] }, instancePos: { line: c[at + 6], col: c[at + 7] },
      };
    }
    return out;
  }
}

/** A file read from the cache: functions and ops assignments are built on first access (most files are never asked about). */
class CachedFile implements StoredFile {
  skipped?: string;
  defineOnly?: boolean;
  opsTypes: OpsStructType[] = NONE;
  tracepoints: TracepointDef[] = NONE;
  instanceMacros: InstanceMacro[] = NONE;
  indirectCallCount = 0;
  tracepointCallCount = 0;
  private callFacts: { strings: StringTable; id: number } | undefined;
  private builtCallFacts: [IndirectCall[], TracepointCall[]] | undefined;
  readonly syscallCount: number;
  private built: StoredFunction[] | undefined;
  private columns: FunctionColumns | undefined;
  private builtOps: OpsAssignment[] | undefined;
  private opsColumns: OpsColumns | undefined;

  constructor(
    columns: FunctionColumns, private readonly firstFn: number, readonly functionCount: number,
    opsColumns: OpsColumns, private readonly firstOp: number, readonly opsCount: number,
    readonly file: string, readonly size: number, readonly mtimeMs: number, readonly hasError: boolean,
    readonly exports: { name: string; kind: ExportKind }[], readonly calls: Int32Array,
  ) {
    this.columns = columns;
    this.opsColumns = opsColumns;
    this.syscallCount = columns.syscallCount(firstFn, functionCount);
  }

  setCallFacts(strings: StringTable, id: number, indirect: number, tracepointCalls: number): void {
    this.callFacts = { strings, id };
    this.indirectCallCount = indirect;
    this.tracepointCallCount = tracepointCalls;
  }

  get indirectCalls(): IndirectCall[] {
    return this.calledFacts()[0];
  }

  get tracepointCalls(): TracepointCall[] {
    return this.calledFacts()[1];
  }

  /** Parsed on first use (the checksum vouched for the bytes; a malformed string is a bug, reported as such). */
  private calledFacts(): [IndirectCall[], TracepointCall[]] {
    if (!this.builtCallFacts) {
      let parsed: CallFacts = [[], []];
      if (this.callFacts) {
        parsed = JSON.parse(this.callFacts.strings.get(this.callFacts.id)) as CallFacts;
        if (!Array.isArray(parsed) || !Array.isArray(parsed[0]) || !Array.isArray(parsed[1])) throw new Error(`cached call facts of ${this.file} malformed`);
      }
      this.builtCallFacts = [withFile(parsed[0], this.file), withFile(parsed[1], this.file)];
      this.callFacts = undefined;
    }
    return this.builtCallFacts;
  }

  get ops(): OpsAssignment[] {
    if (!this.builtOps) {
      this.builtOps = this.opsColumns!.ops(this.firstOp, this.opsCount, this.file);
      this.opsColumns = undefined;
    }
    return this.builtOps;
  }

  get functions(): StoredFunction[] {
    if (!this.built) {
      this.built = this.columns!.functions(this.firstFn, this.functionCount, this.file);
      this.columns = undefined;
    }
    return this.built;
  }
}

/**
 * The one empty list most files share for the facts they lack (five lists each for 60k files were
 * 300k arrays); frozen, so a push into it throws instead of reaching every file.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];


function ints(b: Uint8Array): Int32Array {
  if (b.length % 4 !== 0) throw new Error('column length not a multiple of 4');
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}
