/**
 * The JS side of the scanner's graph model (wasm/graphScan.c, "Model"): while a piece builder
 * has settled a task, the scanner applies the task's entry/leaf/exit records itself, by
 * normalised-name and syscall ids this class assigns once per spelling (resolve). The builder
 * gets the task's open calls back when JS must apply one of its records (release), and the
 * piece's sums once, at pieceResult (flush). One per scanner (thread): the ids outlive a piece
 * as the scanner's name table does.
 */
import type { GraphOffload, ModelBuilder, NameRef, OffloadSums, PieceFrame } from '../model';
import type { GraphScanner, ModelExports } from './graphScanner';

/** Ids the module's tables take (graphScan.c NORMS); names past them stay with JS. */
const NORMS = 65535;
const enum Count { Records, Unfinished, Mismatched, Tasks, Fns, Sys, Called, Edges, SysFns, Heap, Took, Unmatched, Pending, Edge, Sf, Hits, Events }
const enum Layout {
  SpellNorm, SpellSys, CalledList, FnCalls, FnTimed, FnTotal, FnSelf, FnList, SysCalls, SysTimed, SysTotal, SysList,
  EdgeKey, EdgeCount, EdgeList, SysFnKey, SysFnCount, SysFnList, Tasks, Frames, TaskSize, FrameSize, FnExitOnly, Pend, Named,
  EvCount, EvList, EvUsed, Fields,
}

export class GraphModel implements GraphOffload {
  private readonly normIds = new Map<string, number>();
  private readonly normNames: string[] = [];
  private readonly sysIds = new Map<string, number>();
  private readonly sysNames: string[] = [];
  /** Byte offsets from the model's start (graphScan.c model_layout). */
  private readonly at: Int32Array;
  /** Views of the module's memory, which never grows after the scanner is made. */
  private readonly u8: Uint8Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  /** The refs of the scanner's name ids of the ReportBytes using the model (variants are noted on them). */
  refs: readonly (NameRef | undefined)[] = [];

  /** `scratch`: memory free to write the layout to (the input area, before any input). */
  constructor(private readonly sc: GraphScanner, private readonly fns: ModelExports, scratch: number) {
    fns.modelLayout(sc.modelPtr, scratch);
    this.u8 = new Uint8Array(sc.memory.buffer);
    this.i32 = new Int32Array(sc.memory.buffer);
    this.f64 = new Float64Array(sc.memory.buffer);
    this.at = this.i32.slice(scratch >> 2, (scratch >> 2) + Layout.Fields);
  }

  /** Starts a piece: no task held, no sums. */
  reset(): void { this.fns.modelReset(this.sc.modelPtr); }

  /** Tells the module what name id `id` of the scanner resolves to, so it can apply its calls. */
  resolve(id: number, r: NameRef): void {
    const norm = this.idOf(this.normIds, this.normNames, r.name);
    const sys = r.sys === null ? -1 : this.idOf(this.sysIds, this.sysNames, r.sys);
    const base = this.sc.modelPtr >> 2;
    // Past the module's id range the name's records stay with JS (-1).
    this.i32[base + (this.at[Layout.SpellNorm] >> 2) + id] = norm < 0 || (r.sys !== null && sys < 0) ? -1 : norm + 1;
    this.i32[base + (this.at[Layout.SpellSys] >> 2) + id] = sys + 1;
  }

  /** The open calls of task `key` on a handover record (handover) or when JS parsed a record of it itself. */
  take(key: number, handover: boolean): PieceFrame[] | null {
    const n = this.fns.take(this.sc.modelPtr, key, handover ? 1 : 0);
    if (n < 0) return null;
    const m = this.sc.modelPtr;
    const first = this.i32[(m >> 2) + Count.Took];
    const frames: PieceFrame[] = [];
    for (let i = 0; i < n; i++) {
      // Frame: norm, sys, root, pending, child (graphScan.c).
      const p = (m + this.at[Layout.Frames] + (first + i) * this.at[Layout.FrameSize]) >> 2;
      const norm = this.i32[p];
      const sys = this.i32[p + 1];
      frames.push({ name: norm < 0 ? null : this.normNames[norm], childNs: this.f64[(p + 4) >> 1], pending: this.pending(this.i32[p + 3]), sys: sys < 0 ? null : this.sysNames[sys], sysRoot: this.i32[p + 2] !== 0 });
    }
    return frames;
  }

  release(pid: number): PieceFrame[] | null { return this.take(pid, false); }

  /** The scanner has the string of name id `id` (sc.names): the module may count events of that name. */
  named(id: number): void {
    this.u8[this.sc.modelPtr + this.at[Layout.Named] + id] = 1;
  }

  /** The callees of an unknown call, from its Pending list (callee, count, next). */
  private pending(head: number): Map<string, number> | null {
    if (head < 0) return null;
    const map = new Map<string, number>();
    const base = (this.sc.modelPtr + this.at[Layout.Pend]) >> 2;
    for (let i = head; i >= 0; i = this.i32[base + 3 * i + 2]) map.set(this.normNames[this.i32[base + 3 * i]], this.i32[base + 3 * i + 1]);
    return map;
  }

  flush(b: ModelBuilder): void {
    const m = this.sc.modelPtr;
    const i32 = this.i32, f64 = this.f64, at = this.at;
    const c = (k: Count): number => i32[(m >> 2) + k];
    const ints = (l: Layout, i: number): number => i32[((m + at[l]) >> 2) + i];
    const doubles = (l: Layout, i: number): number => f64[((m + at[l]) >> 3) + i];
    const s: OffloadSums = {
      functions: [], called: [], edges: [], syscalls: [], sysFunctions: [], taskCalls: [],
      records: c(Count.Records), unfinishedCalls: c(Count.Unfinished), mismatchedExits: c(Count.Mismatched), unmatchedExits: c(Count.Unmatched),
      hits: c(Count.Hits), eventRecords: c(Count.Events), events: [],
    };
    for (let i = 0; i < c(Count.Fns); i++) {
      const n = ints(Layout.FnList, i);
      s.functions.push({ name: this.normNames[n], calls: ints(Layout.FnCalls, n), exitOnlyCalls: ints(Layout.FnExitOnly, n), timedCalls: ints(Layout.FnTimed, n), totalNs: doubles(Layout.FnTotal, n), selfNs: doubles(Layout.FnSelf, n) });
    }
    for (let i = 0; i < c(Count.Called); i++) {
      const id = ints(Layout.CalledList, i);
      s.called.push(this.refs[id] ?? b.ref(this.sc.names[id]));
    }
    // Pair tables (edges, syscall functions): slot key = (high id << 16 | low id) + 1.
    const pairs = (count: Count, list: Layout, key: Layout, counts: Layout, each: (hi: number, lo: number, n: number) => void): void => {
      for (let i = 0; i < c(count); i++) {
        const slot = ints(list, i);
        const n = ints(counts, slot);
        if (n === 0) continue;
        const k = (ints(key, slot) >>> 0) - 1;
        each(k >>> 16, k & 0xffff, n);
      }
    };
    pairs(Count.Edges, Layout.EdgeList, Layout.EdgeKey, Layout.EdgeCount, (hi, lo, n) => s.edges.push({ caller: this.normNames[hi], callee: this.normNames[lo], n }));
    for (let i = 0; i < c(Count.Sys); i++) {
      const n = ints(Layout.SysList, i);
      s.syscalls.push({ name: this.sysNames[n], calls: ints(Layout.SysCalls, n), timedCalls: ints(Layout.SysTimed, n), totalNs: doubles(Layout.SysTotal, n) });
    }
    pairs(Count.SysFns, Layout.SysFnList, Layout.SysFnKey, Layout.SysFnCount, (hi, lo, n) => s.sysFunctions.push({ sys: this.sysNames[hi], name: this.normNames[lo], n }));
    for (let i = 0; i < i32[(m + at[Layout.EvUsed]) >> 2]; i++) {
      const id = ints(Layout.EvList, i);
      s.events.push({ name: this.sc.names[id], n: ints(Layout.EvCount, id) });
    }
    const taskInts = at[Layout.TaskSize] >> 2;
    for (let i = 0; i < c(Count.Tasks); i++) {
      // Task: key, state, pending, calls, size, cap, frames, seen, events (graphScan.c).
      const t = ((m + at[Layout.Tasks]) >> 2) + i * taskInts;
      if (i32[t + 3] !== 0 || i32[t + 8] !== 0) s.taskCalls.push({ pid: i32[t], calls: i32[t + 3], events: i32[t + 8] });
    }
    b.addOffloadSums(s);
  }

  private idOf(ids: Map<string, number>, names: string[], name: string): number {
    let id = ids.get(name);
    if (id === undefined) {
      if (names.length >= NORMS) return -1;
      id = names.length;
      ids.set(name, id);
      names.push(name);
    }
    return id;
  }
}
