/**
 * The imported trace: per function, caller→callee edges, per syscall, per process. Parsers
 * drive a ModelBuilder call by call; it keeps one open-call stack per task (bounded by
 * MAX_DEPTH), so memory grows with the number of distinct names, never with the input.
 */
import { normaliseFunctionName, syscallOf } from './names';

export type TraceFormat = 'tracefs' | 'trace-cmd-report' | 'trace-cmd-profile' | 'trace.dat';

export interface FunctionStats {
  /** Calls whose entry was seen (entry lines, leaf lines, function-tracer hits). */
  calls: number;
  /** Calls seen only by their return (trace started mid-stack, or tracing_thresh). */
  exitOnlyCalls: number;
  /** Calls that came with a duration; totalNs/selfNs sum over these. */
  timedCalls: number;
  totalNs: number;
  selfNs: number;
  /** Raw spellings folded into this name (`foo.isra.0`, `foo+0x14/0x6c`), at most VARIANT_LIMIT. */
  variants: Set<string> | null;
}

export interface SyscallStats {
  calls: number;
  timedCalls: number;
  totalNs: number;
  /** Functions called (at any depth) inside this syscall, with call counts. */
  functions: Map<string, number>;
}

export interface ProcessStats {
  /**
   * Context key: the pid, or -1-cpu for a CPU's idle task and for graph output on a CPU whose
   * task is not named (no proc column, no banner yet).
   */
  pid: number;
  comm: string;
  calls: number;
  events: number;
}

export interface SkippedLine { line: number; reason: string; text: string }

export interface TraceModel {
  format: TraceFormat;
  /** e.g. tracer name from the header, trace.dat version and compression. */
  formatDetail: string;
  content: { functionGraph: boolean; functionTracer: boolean; events: boolean; profile: boolean };
  functions: Map<string, FunctionStats>;
  /** caller → callee → count, from call records (graph nesting, `<-` parents). */
  edges: Map<string, Map<string, number>>;
  /** caller → callee → count, from `=>` stack-trace frames (each trace counts once per pair). */
  stackEdges: Map<string, Map<string, number>>;
  syscalls: Map<string, SyscallStats>;
  processes: Map<number, ProcessStats>;
  events: Map<string, number>;
  lines: number;
  records: number;
  /** Returns with neither an open entry nor a `/* name *\/` tail. */
  unmatchedExits: number;
  /** Entries whose return never came (trace ended, lost events, a task left mid-stack). */
  unfinishedCalls: number;
  /** Returns whose `/* name *\/` tail disagreed with the entry at that depth. */
  mismatchedExits: number;
  /**
   * Events the recorder lost (ring buffer full): `drops` places in the input that say so,
   * `events` the sum of the counts they gave (some give none). Counts are then lower bounds,
   * and calls around a loss may pair with the wrong return.
   */
  lost: { drops: number; events: number };
  skipped: { count: number; samples: SkippedLine[] };
}

/** What a user must know of the events a trace lost, or null when it lost none. */
export function lostNote(m: TraceModel): string | null {
  const { drops, events } = m.lost;
  if (drops === 0) return null;
  // Not every loss carries its count (a full ring-buffer page has no room for it): "at least".
  const how = events > 0 ? `at least ${events.toLocaleString('en-US')} events lost at ${drops.toLocaleString('en-US')} places` : `events lost at ${drops.toLocaleString('en-US')} places (no count recorded)`;
  return `${how} while recording (the ring buffer filled up): counts are lower bounds, and durations next to a loss may be wrong; record again with a larger ring buffer (setting kpn.trace.bufferKb, kpn trace run --buffer-kb KB, trace-cmd record -b KB)`;
}

export const MAX_DEPTH = 512;
const VARIANT_LIMIT = 16;
const SKIP_SAMPLES = 20;

export interface Frame {
  /** Normalised name, null for a call whose entry is before the trace start. */
  name: string | null;
  childNs: number;
  pending: Map<string, number> | null;
  /** Syscall this call runs inside, and whether it is that syscall's entry function. */
  sys: string | null;
  sysRoot: boolean;
  /** The spelling that named the call (null with `name`): its stats and edges without a lookup. Never crosses threads. */
  ref: NameRef | null;
}

/** A Frame as a piece hands it on: `ref` belongs to the builder that made it. */
export type PieceFrame = Omit<Frame, 'ref'>;

/** `held`: a piece builder has not yet seen this task's stack empty, so its graph records wait for the state earlier pieces leave. */
interface Ctx { pid: number; frames: Frame[]; size: number; proc: ProcessStats; held: boolean }

const ENTER = 0;
const LEAF = 1;
const EXIT = 2;
const SYS_EXIT = 3;

/**
 * Records of one piece that depend on what came before it, in input order: graph records of a
 * task until its stack first empties in the piece, and a task's first `sys_exit_*` event when
 * the piece saw no `sys_enter_*` for it. `dur` holds the timestamp for SYS_EXIT.
 */
export interface HeldRecords { kind: number[]; pid: number[]; depth: number[]; name: (string | null)[]; dur: number[]; tail: (string | null)[] }

/**
 * What a builder made from one piece of a file (a run of whole lines) without knowing the state
 * before it: ModelBuilder.absorb replays `held` on the true state, then takes the end state of
 * every task the piece settled and adds the piece's sums. The split is exact, not an estimate.
 */
export interface PieceResult {
  model: TraceModel;
  held: HeldRecords;
  /** Open calls at the piece end of each task whose stack emptied inside the piece. */
  stacks: { pid: number; frames: PieceFrame[] }[];
  /** Open syscall (from events) at the piece end of each task that had a syscall event in the piece. */
  sysOpen: { pid: number; open: { name: string; ts: number } | null }[];
}

/**
 * Graph records applied outside the builder, for tasks a piece builder has settled (the
 * report scanner's WebAssembly model, text/graphModel.ts): it holds those tasks' open calls and
 * the piece's sums until pieceResult.
 */
export interface GraphOffload {
  /** The open calls of task `pid` if the offload holds it (it then stops applying its records), else null. */
  release(pid: number): PieceFrame[] | null;
  /** Adds the piece's sums to `b` (addOffloadSums). */
  flush(b: ModelBuilder): void;
}

/** What an offload applied in one piece, as the builder would have counted it. */
export interface OffloadSums {
  functions: { name: string; calls: number; exitOnlyCalls: number; timedCalls: number; totalNs: number; selfNs: number }[];
  /** Spellings called (their variants are noted as `called` notes them). */
  called: NameRef[];
  edges: { caller: string; callee: string; n: number }[];
  syscalls: { name: string; calls: number; timedCalls: number; totalNs: number }[];
  sysFunctions: { sys: string; name: string; n: number }[];
  taskCalls: { pid: number; calls: number; events: number }[];
  events: { name: string; n: number }[];
  /** Graph records, function-tracer hits, events (each counts as a record). */
  records: number;
  hits: number;
  eventRecords: number;
  unfinishedCalls: number;
  mismatchedExits: number;
  unmatchedExits: number;
}

/** A count that lives in a Map but is incremented without a second lookup. */
interface Cell { n: number }

/**
 * What a raw spelling resolves to, worked out once per spelling rather than per call: the
 * normalised name, its syscall, and its stats once it has been called. Parsers that intern
 * names keep the ref per name id and call the `…Ref` methods, so a record costs no name lookup.
 */
export interface NameRef {
  readonly raw: string; readonly name: string; readonly sys: string | null;
  stats: FunctionStats | null; variantNoted: boolean;
  /** Callee counts of `name` (edgeCells entry) once it has called something. */
  out: Map<string, Cell> | null;
  /**
   * Call patterns repeat: the edge cell of the last caller (by ref) of this callee and the
   * syscall-subtree cell of the last syscall it was seen in save their map lookups.
   */
  lastCaller: NameRef | null; lastCallerCell: Cell | null;
  lastSys: SysAcc | null; lastSysCell: Cell | null;
}

/** A syscall's stats and the counts of functions called in it (SyscallStats.functions once finished). */
interface SysAcc { name: string; stats: SyscallStats; functions: Map<string, Cell> }

function emptyModel(format: TraceFormat, formatDetail: string): TraceModel {
  return {
    format, formatDetail,
    content: { functionGraph: false, functionTracer: false, events: false, profile: false },
    functions: new Map(), edges: new Map(), stackEdges: new Map(), syscalls: new Map(),
    processes: new Map(), events: new Map(),
    lines: 0, records: 0, unmatchedExits: 0, unfinishedCalls: 0, mismatchedExits: 0,
    lost: { drops: 0, events: 0 },
    skipped: { count: 0, samples: [] },
  };
}

function newFrame(name: string | null, childNs: number, pending: Map<string, number> | null, sys: string | null, sysRoot: boolean, ref: NameRef | null): Frame {
  return { name, childNs, pending, sys, sysRoot, ref };
}

function emptyHeld(): HeldRecords { return { kind: [], pid: [], depth: [], name: [], dur: [], tail: [] }; }

/** Clears what a ref caches about one builder's model (its stats, edge and syscall cells), keeping what it resolved. */
export function forgetPieceState(r: NameRef): void {
  r.stats = null;
  r.variantNoted = false;
  r.out = null;
  r.lastCaller = null;
  r.lastCallerCell = null;
  r.lastSys = null;
  r.lastSysCell = null;
}

/** Bounds the spellings remembered on inputs with unbounded distinct names (random data). */
const REF_LIMIT = 1 << 20;
/** At most this many refs are carried from one piece to the next (restartPiece). */
const KEEP_REFS = 1 << 16;

export class ModelBuilder {
  /** Replaced only by restartPiece; read it after the input is done. */
  model: TraceModel;
  private readonly ctxs = new Map<number, Ctx>();
  private last: Ctx | null = null;
  private readonly cpuTask: number[] = [];
  private stackPrev: string | null = null;
  private readonly sysEnter = new Map<number, { name: string; ts: number }>();
  private readonly refs = new Map<string, NameRef>();
  private held: HeldRecords = emptyHeld();
  private readonly sysKnown = new Set<number>();
  /** The last syscall looked up (its name is in it: a compare with null would deoptimise the string compare). */
  private lastSysAcc: SysAcc | null = null;
  /** caller → callee → count of model.edges, written to the model by finish/pieceResult. */
  private readonly edgeCells = new Map<string, Map<string, Cell>>();
  private readonly sysAccs = new Map<string, SysAcc>();
  /** Applies the graph records of settled tasks elsewhere (piece builders only; kept across restartPiece). */
  offload: GraphOffload | null = null;
  /** Set while a record reaching enter/leaf/exit may be of a task the offload holds, which must then hand it back. */
  offloadCheck = false;

  /** `piece`: the input is one piece of a file, merged later by `absorb` (see PieceResult). */
  constructor(format: TraceFormat, formatDetail = '', private readonly piece = false) {
    this.model = emptyModel(format, formatDetail);
  }

  /**
   * Starts the next piece on this piece builder as if it were new, keeping its objects and the
   * names it resolved: a worker parses many pieces, and a new builder per piece gave its optimised
   * code new object maps to deoptimise on (bench/RESULTS.md). The previous pieceResult stays intact.
   */
  restartPiece(): void {
    if (!this.piece) throw new Error('restartPiece on a builder that is not a piece builder');
    this.model = emptyModel(this.model.format, this.model.formatDetail);
    this.ctxs.clear();
    this.last = null;
    this.cpuTask.length = 0;
    this.stackPrev = null;
    this.sysEnter.clear();
    // Resolved names are kept for the next piece unless there are so many (random input) that
    // resetting them costs more than resolving them again, or they would hold memory in an idle worker.
    if (this.refs.size > KEEP_REFS) this.refs.clear();
    else for (const r of this.refs.values()) forgetPieceState(r);
    this.held = emptyHeld();
    this.sysKnown.clear();
    this.lastSysAcc = null;
    this.edgeCells.clear();
    this.sysAccs.clear();
  }

  /** Key of the task running on `cpu` for graph output that does not name tasks per line. */
  cpuContext(cpu: number): number {
    const t = this.cpuTask[cpu];
    return t === undefined ? -1 - cpu : t;
  }

  /** Context key of a task: the idle task (pid 0) runs on every CPU at once, so it gets one per CPU. */
  taskKey(pid: number, cpu: number): number { return pid === 0 ? -1 - cpu : pid; }

  /** A context-switch banner: the unnamed context of that CPU turns out to be `prevPid`. */
  contextSwitch(cpu: number, prevComm: string, prevPid: number, nextComm: string, nextPid: number): void {
    const prev = this.taskKey(prevPid, cpu);
    if (this.cpuTask[cpu] === undefined && prev !== -1 - cpu) this.adopt(-1 - cpu, prev, prevComm);
    else this.task(prev, prevComm);
    const next = this.taskKey(nextPid, cpu);
    this.cpuTask[cpu] = next;
    this.task(next, nextComm);
  }

  task(pid: number, comm: string): void {
    const p = this.model.processes.get(pid);
    if (p === undefined) this.model.processes.set(pid, { pid, comm, calls: 0, events: 0 });
    else if (p.comm === '' || (p.comm === '<...>' && comm !== '')) p.comm = comm;
  }

  hasTask(pid: number): boolean { return this.model.processes.has(pid); }

  get isPiece(): boolean { return this.piece; }

  /** What an entry and a leaf line share: count the call of `r` in `c`. */
  private graphCall(c: Ctx, r: NameRef): FunctionStats {
    const f = this.called(r);
    f.calls++;
    c.proc.calls++;
    this.model.records++;
    this.model.content.functionGraph = true;
    return f;
  }

  enter(pid: number, depth: number, rawName: string): void { this.enterRef(pid, depth, this.ref(rawName)); }

  enterRef(pid: number, depth: number, r: NameRef): void {
    if (this.piece && this.hold(pid, ENTER, depth, r.raw, NaN, null)) return;
    if (this.offloadCheck) this.reclaim(pid);
    const c = this.ctx(pid);
    const parent = this.openSlot(c, depth);
    this.graphCall(c, r);
    this.link(parent, r);
    const fr = this.frameAt(c, depth);
    fr.name = r.name;
    fr.ref = r;
    fr.childNs = 0;
    fr.pending = null;
    this.placeSys(fr, parent, r);
    c.size = depth + 1;
  }

  leaf(pid: number, depth: number, rawName: string, durNs: number): void { this.leafRef(pid, depth, this.ref(rawName), durNs); }

  leafRef(pid: number, depth: number, r: NameRef, durNs: number): void {
    if (this.piece && this.hold(pid, LEAF, depth, r.raw, durNs, null)) return;
    if (this.offloadCheck) this.reclaim(pid);
    const c = this.ctx(pid);
    const parent = this.openSlot(c, depth);
    const f = this.graphCall(c, r);
    this.link(parent, r);
    const sys = parent?.sys ?? r.sys;
    if (sys !== null) this.sysCall(sys, r, parent?.sys == null, durNs);
    if (durNs === durNs) {
      f.timedCalls++;
      f.totalNs += durNs;
      f.selfNs += durNs;
      if (parent !== null) parent.childNs += durNs;
    }
  }

  exit(pid: number, depth: number, durNs: number, rawTail: string | null): void {
    this.exitRef(pid, depth, durNs, rawTail === null ? null : this.ref(rawTail));
  }

  exitRef(pid: number, depth: number, durNs: number, tailRef: NameRef | null): void {
    if (this.piece && this.hold(pid, EXIT, depth, null, durNs, tailRef === null ? null : tailRef.raw)) return;
    if (this.offloadCheck) this.reclaim(pid);
    const c = this.ctx(pid);
    this.model.records++;
    this.model.content.functionGraph = true;
    if (c.size > depth + 1) this.drop(c, depth + 1);
    const frame: Frame | null = c.size === depth + 1 ? c.frames[depth] : null;
    const tail = tailRef === null ? null : tailRef.name;
    let name = frame?.name ?? null;
    let f: FunctionStats;
    let parent: Frame | null;
    if (name !== null) {
      if (tail !== null && tail !== name) this.model.mismatchedExits++;
      f = frame!.ref!.stats ?? this.fn(name);
      parent = depth > 0 ? c.frames[depth - 1] : null;
      if (frame!.sysRoot && durNs === durNs) this.sysTime(frame!.sys!, durNs);
    } else {
      if (frame === null) parent = this.openSlot(c, depth);
      else parent = depth > 0 ? c.frames[depth - 1] : null;
      if (tail === null) {
        this.model.unmatchedExits++;
        if (parent !== null && durNs === durNs) parent.childNs += durNs;
        c.size = depth;
        return;
      }
      name = tail;
      f = this.called(tailRef!);
      f.exitOnlyCalls++;
      c.proc.calls++;
      if (frame !== null && frame.pending !== null) {
        for (const [callee, n] of frame.pending) this.addEdge(name, callee, n);
      }
      this.link(parent, tailRef!);
      const sys = parent?.sys ?? tailRef!.sys;
      if (sys !== null) this.sysCall(sys, tailRef!, parent?.sys == null, durNs);
    }
    if (durNs === durNs) {
      f.timedCalls++;
      f.totalNs += durNs;
      // Never below zero: where events were lost (or CPU clocks disagree) the calls nested in a
      // frame can outlast it, and a negative self time would be made-up data.
      const self = durNs - (frame?.childNs ?? 0);
      if (self > 0) f.selfNs += self;
      if (parent !== null) parent.childNs += durNs;
    }
    c.size = depth;
  }

  /** A function-tracer hit: `name <-parent` (parent may be unknown). */
  functionHit(pid: number, rawName: string, rawParent: string | null): void {
    this.functionHitRef(pid, this.ref(rawName), rawParent === null ? null : this.ref(rawParent));
  }

  functionHitRef(pid: number, r: NameRef, parent: NameRef | null): void {
    const c = this.ctx(pid);
    this.called(r).calls++;
    c.proc.calls++;
    this.model.records++;
    this.model.content.functionTracer = true;
    if (parent !== null) this.count(parent, r);
  }

  /** `trace-cmd profile` totals: `Event: func: name() (count) Total: ns`. */
  profiledFunction(pid: number, rawName: string, count: number, totalNs: number): void {
    const c = this.ctx(pid);
    const f = this.called(this.ref(rawName));
    f.calls += count;
    if (totalNs === totalNs) {
      f.timedCalls += count;
      f.totalNs += totalNs;
    }
    c.proc.calls += count;
    this.model.records++;
    this.model.content.profile = true;
  }

  event(pid: number, name: string, tsNs: number, count = 1): void {
    const ev = this.model.events;
    ev.set(name, (ev.get(name) ?? 0) + count);
    this.ctx(pid).proc.events += count;
    this.model.records++;
    this.model.content.events = true;
    if (name.length > 10 && name.charCodeAt(3) === 0x5f && name.startsWith('sys_')) this.syscallEvent(pid, name, tsNs);
  }

  beginStack(): void { this.stackPrev = null; }

  /** One `=> frame` line; frames run from the innermost call outwards. */
  stackFrame(rawName: string | null): void {
    if (rawName === null) { this.stackPrev = null; return; }
    const name = this.ref(rawName).name;
    if (this.stackPrev !== null) this.edge(this.model.stackEdges, name, this.stackPrev, 1);
    this.stackPrev = name;
  }

  /** The recorder lost events at `drops` places: `count` of them, or an unknown number (null). */
  lostEvents(count: number | null, drops = 1): void {
    this.model.lost.drops += drops;
    if (count !== null) this.model.lost.events += count;
  }

  skip(line: number, reason: string, text: string): void {
    const sk = this.model.skipped;
    sk.count++;
    if (sk.samples.length < SKIP_SAMPLES) {
      const clean = Buffer.from(text.length > 160 ? text.slice(0, 160) : text, 'latin1').toString('utf8');
      sk.samples.push({ line, reason, text: clean });
    }
  }

  finish(): TraceModel {
    for (const c of this.ctxs.values()) this.drop(c, 0);
    this.settleCounts();
    return this.model;
  }

  /** Writes the counts kept in cells to model.edges and SyscallStats.functions (once, at the end). */
  private settleCounts(): void {
    for (const [caller, cells] of this.edgeCells) {
      for (const [callee, cell] of cells) this.edge(this.model.edges, caller, callee, cell.n);
    }
    this.edgeCells.clear();
    for (const acc of this.sysAccs.values()) {
      const fns = acc.stats.functions;
      for (const [name, cell] of acc.functions) fns.set(name, (fns.get(name) ?? 0) + cell.n);
      acc.functions.clear();
    }
  }

  private syscallEvent(pid: number, name: string, tsNs: number): void {
    if (this.piece && !this.sysKnown.has(pid)) {
      this.sysKnown.add(pid);
      if (name.startsWith('sys_exit_')) { this.holdRecord(SYS_EXIT, pid, 0, name, tsNs, null); return; }
    }
    if (name.startsWith('sys_enter_')) {
      const sys = name.slice(10);
      this.sysAcc(sys).stats.calls++;
      this.sysEnter.set(pid, { name: sys, ts: tsNs });
    } else if (name.startsWith('sys_exit_')) {
      const open = this.sysEnter.get(pid);
      if (open !== undefined && open.name === name.slice(9) && tsNs === tsNs && open.ts === open.ts) {
        const s = this.sysAcc(open.name).stats;
        s.timedCalls++;
        s.totalNs += tsNs - open.ts;
      }
      this.sysEnter.delete(pid);
    }
  }

  private placeSys(fr: Frame, parent: Frame | null, r: NameRef): void {
    const inherited = parent?.sys ?? null;
    const sys = inherited ?? r.sys;
    fr.sys = sys;
    fr.sysRoot = inherited === null && sys !== null;
    if (sys !== null) this.sysCall(sys, r, fr.sysRoot, NaN);
  }

  private sysCall(sys: string, r: NameRef, root: boolean, durNs: number): void {
    const acc = this.sysAcc(sys);
    if (root) {
      const s = acc.stats;
      s.calls++;
      if (durNs === durNs) { s.timedCalls++; s.totalNs += durNs; }
    } else if (r.lastSys === acc) {
      r.lastSysCell!.n++;
    } else {
      let cell = acc.functions.get(r.name);
      if (cell === undefined) { cell = { n: 0 }; acc.functions.set(r.name, cell); }
      cell.n++;
      r.lastSys = acc;
      r.lastSysCell = cell;
    }
  }

  private sysTime(sys: string, durNs: number): void {
    const s = this.sysAcc(sys).stats;
    s.timedCalls++;
    s.totalNs += durNs;
  }

  private sysAcc(sys: string): SysAcc {
    // Calls inside one syscall come in runs: one remembered entry saves most lookups.
    const last = this.lastSysAcc;
    if (last !== null && last.name === sys) return last;
    let acc = this.sysAccs.get(sys);
    if (acc === undefined) {
      let s = this.model.syscalls.get(sys);
      if (s === undefined) {
        s = { calls: 0, timedCalls: 0, totalNs: 0, functions: new Map() };
        this.model.syscalls.set(sys, s);
      }
      acc = { name: sys, stats: s, functions: new Map() };
      this.sysAccs.set(sys, acc);
    }
    this.lastSysAcc = acc;
    return acc;
  }

  /** Frees slots ≥ depth (counting named ones as unfinished) and fills unknown slots below it; returns the parent. */
  private openSlot(c: Ctx, depth: number): Frame | null {
    if (c.size > depth) this.drop(c, depth);
    while (c.size < depth) {
      const fr = this.frameAt(c, c.size);
      fr.name = null;
      fr.ref = null;
      fr.childNs = 0;
      fr.pending = null;
      fr.sys = null;
      fr.sysRoot = false;
      c.size++;
    }
    return depth > 0 ? c.frames[depth - 1] : null;
  }

  private drop(c: Ctx, size: number): void {
    for (let i = size; i < c.size; i++) if (c.frames[i].name !== null) this.model.unfinishedCalls++;
    c.size = size;
  }

  private frameAt(c: Ctx, i: number): Frame {
    let fr = c.frames[i];
    if (fr === undefined) {
      fr = newFrame(null, 0, null, null, false, null);
      c.frames[i] = fr;
    }
    return fr;
  }

  private link(parent: Frame | null, callee: NameRef): void {
    if (parent === null) return;
    if (parent.ref !== null) {
      this.count(parent.ref, callee);
    } else {
      const p = parent.pending ?? (parent.pending = new Map());
      p.set(callee.name, (p.get(callee.name) ?? 0) + 1);
    }
  }

  /** One more call of `callee` by `caller`. */
  private count(caller: NameRef, callee: NameRef): void {
    if (callee.lastCaller === caller) { callee.lastCallerCell!.n++; return; }
    let m = caller.out;
    if (m === null) {
      m = this.edgeCells.get(caller.name) ?? null;
      if (m === null) { m = new Map(); this.edgeCells.set(caller.name, m); }
      caller.out = m;
    }
    let cell = m.get(callee.name);
    if (cell === undefined) { cell = { n: 0 }; m.set(callee.name, cell); }
    cell.n++;
    callee.lastCaller = caller;
    callee.lastCallerCell = cell;
  }

  private addEdge(caller: string, callee: string, n: number): void {
    let m = this.edgeCells.get(caller);
    if (m === undefined) { m = new Map(); this.edgeCells.set(caller, m); }
    const cell = m.get(callee);
    if (cell === undefined) m.set(callee, { n });
    else cell.n += n;
  }

  private edge(edges: Map<string, Map<string, number>>, caller: string, callee: string, n: number): void {
    let m = edges.get(caller);
    if (m === undefined) { m = new Map(); edges.set(caller, m); }
    m.set(callee, (m.get(callee) ?? 0) + n);
  }

  /** The ref of a raw spelling, for the `…Ref` methods. */
  ref(raw: string): NameRef {
    let r = this.refs.get(raw);
    if (r === undefined) {
      const name = normaliseFunctionName(raw);
      r = { raw, name, sys: syscallOf(name), stats: null, variantNoted: false, out: null, lastCaller: null, lastCallerCell: null, lastSys: null, lastSysCell: null };
      if (this.refs.size < REF_LIMIT) this.refs.set(raw, r);
    }
    return r;
  }

  /** Stats of a called function, remembering the raw spelling when it was folded. */
  private called(r: NameRef): FunctionStats {
    const f = r.stats ?? (r.stats = this.fn(r.name));
    if (!r.variantNoted) {
      // A full variant set never shrinks, so one try per spelling is enough.
      r.variantNoted = true;
      if (r.name !== r.raw) {
        const v = f.variants ?? (f.variants = new Set());
        if (v.size < VARIANT_LIMIT) v.add(r.raw);
      }
    }
    return f;
  }

  private fn(name: string): FunctionStats {
    let f = this.model.functions.get(name);
    if (f === undefined) {
      f = { calls: 0, exitOnlyCalls: 0, timedCalls: 0, totalNs: 0, selfNs: 0, variants: null };
      this.model.functions.set(name, f);
    }
    return f;
  }

  private ctx(pid: number): Ctx {
    const l = this.last;
    if (l !== null && l.pid === pid) return l;
    let c = this.ctxs.get(pid);
    if (c === undefined) {
      let proc = this.model.processes.get(pid);
      if (proc === undefined) {
        proc = { pid, comm: '', calls: 0, events: 0 };
        this.model.processes.set(pid, proc);
      }
      // One spare frame from the start: an empty literal starts as an array of small ints and
      // changes its map at the first frame stored, which deoptimised code compiled before that.
      c = { pid, frames: [newFrame(null, 0, null, null, false, null)], size: 0, proc, held: this.piece };
      this.ctxs.set(pid, c);
    }
    this.last = c;
    return c;
  }

  /**
   * Graph records of a held task wait in `held`. The stack size after any graph record is
   * known from the record alone (entry: depth+1, leaf and exit: depth), and an empty stack is
   * the same whatever came before, so the task is settled from the first record that empties it.
   */
  private hold(pid: number, kind: number, depth: number, name: string | null, dur: number, tail: string | null): boolean {
    const c = this.ctx(pid);
    if (!c.held) return false;
    this.holdRecord(kind, pid, depth, name, dur, tail);
    if (kind !== ENTER && depth === 0) c.held = false;
    return true;
  }

  private holdRecord(kind: number, pid: number, depth: number, name: string | null, dur: number, tail: string | null): void {
    const h = this.held;
    h.kind.push(kind); h.pid.push(pid); h.depth.push(depth); h.name.push(name); h.dur.push(dur); h.tail.push(tail);
  }

  /** The piece's model and boundary state, instead of finish(): open calls stay open for absorb. */
  pieceResult(): PieceResult {
    const off = this.offload;
    if (off !== null) off.flush(this);
    this.settleCounts();
    const stacks: PieceResult['stacks'] = [];
    for (const c of this.ctxs.values()) {
      if (c.held) continue;
      // Copies without `ref`: a copy holding `ref: null` would share the frames' object map and
      // widen its `ref` field type, which deoptimises the code compiled for it.
      const frames = off?.release(c.pid) ?? c.frames.slice(0, c.size).map((f) => ({ name: f.name, childNs: f.childNs, pending: f.pending, sys: f.sys, sysRoot: f.sysRoot }));
      stacks.push({ pid: c.pid, frames });
    }
    const sysOpen: PieceResult['sysOpen'] = [];
    for (const pid of this.sysKnown) sysOpen.push({ pid, open: this.sysEnter.get(pid) ?? null });
    return { model: this.model, held: this.held, stacks, sysOpen };
  }

  /** The offload held task `pid` until now: its open calls become the builder's (the task's stack here is empty). */
  adoptFrames(pid: number, frames: PieceFrame[]): void {
    const c = this.ctx(pid);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const fr = this.frameAt(c, i);
      fr.name = f.name;
      fr.ref = f.name === null ? null : this.ref(f.name);
      fr.childNs = f.childNs;
      fr.pending = f.pending;
      fr.sys = f.sys;
      fr.sysRoot = f.sysRoot;
    }
    c.size = frames.length;
  }

  private reclaim(pid: number): void {
    const frames = this.offload!.release(pid);
    if (frames !== null) this.adoptFrames(pid, frames);
  }

  /** Adds what the offload applied in this piece (before settleCounts, as its cells are). */
  addOffloadSums(s: OffloadSums): void {
    for (const x of s.functions) {
      const f = this.fn(x.name);
      f.calls += x.calls;
      f.exitOnlyCalls += x.exitOnlyCalls;
      f.timedCalls += x.timedCalls;
      f.totalNs += x.totalNs;
      f.selfNs += x.selfNs;
    }
    for (const r of s.called) this.called(r);
    for (const e of s.edges) this.addEdge(e.caller, e.callee, e.n);
    for (const x of s.syscalls) {
      const st = this.sysAcc(x.name).stats;
      st.calls += x.calls;
      st.timedCalls += x.timedCalls;
      st.totalNs += x.totalNs;
    }
    for (const x of s.sysFunctions) {
      const fns = this.sysAcc(x.sys).functions;
      const cell = fns.get(x.name);
      if (cell === undefined) fns.set(x.name, { n: x.n });
      else cell.n += x.n;
    }
    for (const t of s.taskCalls) {
      const p = this.ctx(t.pid).proc;
      p.calls += t.calls;
      p.events += t.events;
    }
    const m = this.model;
    for (const e of s.events) m.events.set(e.name, (m.events.get(e.name) ?? 0) + e.n);
    m.records += s.records + s.hits + s.eventRecords;
    if (s.hits > 0) m.content.functionTracer = true;
    if (s.eventRecords > 0) m.content.events = true;
    m.unfinishedCalls += s.unfinishedCalls;
    m.mismatchedExits += s.mismatchedExits;
    m.unmatchedExits += s.unmatchedExits;
    if (s.records > 0) m.content.functionGraph = true;
  }

  /** Adds the next piece of the input (pieces in file order); `lineOffset` = lines before it. */
  absorb(p: PieceResult, lineOffset: number): void {
    const h = p.held;
    for (let i = 0; i < h.kind.length; i++) {
      const k = h.kind[i];
      if (k === ENTER) this.enter(h.pid[i], h.depth[i], h.name[i]!);
      else if (k === LEAF) this.leaf(h.pid[i], h.depth[i], h.name[i]!, h.dur[i]);
      else if (k === EXIT) this.exit(h.pid[i], h.depth[i], h.dur[i], h.tail[i]);
      else this.syscallEvent(h.pid[i], h.name[i]!, h.dur[i]);
    }
    for (const s of p.stacks) {
      const c = this.ctx(s.pid);
      c.frames = s.frames.map((f) => newFrame(f.name, f.childNs, f.pending, f.sys, f.sysRoot, f.name === null ? null : this.ref(f.name)));
      c.size = s.frames.length;
    }
    for (const s of p.sysOpen) {
      if (s.open === null) this.sysEnter.delete(s.pid);
      else this.sysEnter.set(s.pid, s.open);
    }
    this.addSums(p.model, lineOffset);
  }

  private addSums(m: TraceModel, lineOffset: number): void {
    const t = this.model;
    for (const [name, f] of m.functions) {
      const g = this.fn(name);
      g.calls += f.calls;
      g.exitOnlyCalls += f.exitOnlyCalls;
      g.timedCalls += f.timedCalls;
      g.totalNs += f.totalNs;
      g.selfNs += f.selfNs;
      if (f.variants !== null) {
        const v = g.variants ?? (g.variants = new Set());
        for (const raw of f.variants) if (v.size < VARIANT_LIMIT) v.add(raw);
      }
    }
    for (const [caller, callees] of m.edges) for (const [callee, n] of callees) this.addEdge(caller, callee, n);
    for (const [caller, callees] of m.stackEdges) for (const [callee, n] of callees) this.edge(t.stackEdges, caller, callee, n);
    for (const [name, s] of m.syscalls) {
      const g = this.sysAcc(name).stats;
      g.calls += s.calls;
      g.timedCalls += s.timedCalls;
      g.totalNs += s.totalNs;
      for (const [fn, n] of s.functions) g.functions.set(fn, (g.functions.get(fn) ?? 0) + n);
    }
    for (const [pid, p] of m.processes) {
      const g = t.processes.get(pid);
      if (g === undefined) { t.processes.set(pid, p); continue; }
      // The first comm seen wins unless it was empty or `<...>`, as task() decides line by line.
      if (g.comm === '' || (g.comm === '<...>' && p.comm !== '')) g.comm = p.comm;
      g.calls += p.calls;
      g.events += p.events;
    }
    for (const [name, n] of m.events) t.events.set(name, (t.events.get(name) ?? 0) + n);
    t.records += m.records;
    t.unmatchedExits += m.unmatchedExits;
    t.unfinishedCalls += m.unfinishedCalls;
    t.mismatchedExits += m.mismatchedExits;
    t.lost.drops += m.lost.drops;
    t.lost.events += m.lost.events;
    t.content.functionGraph ||= m.content.functionGraph;
    t.content.functionTracer ||= m.content.functionTracer;
    t.content.events ||= m.content.events;
    t.content.profile ||= m.content.profile;
    t.skipped.count += m.skipped.count;
    for (const s of m.skipped.samples) {
      if (t.skipped.samples.length >= SKIP_SAMPLES) break;
      t.skipped.samples.push({ line: s.line + lineOffset, reason: s.reason, text: s.text });
    }
  }

  /** Re-keys the unnamed CPU context as task `pid` once a banner names it. */
  private adopt(unnamed: number, pid: number, comm: string): void {
    const c = this.ctxs.get(unnamed);
    const proc = this.model.processes.get(unnamed);
    this.task(pid, comm);
    const target = this.model.processes.get(pid)!;
    if (proc !== undefined) {
      target.calls += proc.calls;
      target.events += proc.events;
      this.model.processes.delete(unnamed);
    }
    if (c !== undefined) {
      this.ctxs.delete(unnamed);
      if (!this.ctxs.has(pid)) {
        c.pid = pid;
        c.proc = target;
        this.ctxs.set(pid, c);
      } else {
        this.drop(c, 0);
      }
      if (this.last === c) this.last = null;
    }
  }
}
