/**
 * The WebAssembly record scanner (wasm/graphScan.c): ReportBytes copies a run of whole
 * lines into its memory and reads back one fixed-size record per line. One instance per thread,
 * its memory sized to the largest run seen (at most SEGMENT bytes plus the record arrays) after
 * its name table, which interns names for every import in the thread (`names` holds their
 * strings, made the first time an id is seen).
 */
import { GRAPH_SCAN_WASM } from './wasm/graphScanWasm';

/** Ints per record; the field order is graphScan.c's. */
export const REC = 13;
export const enum Rec { Kind, End, Pid, Cpu, CommStart, CommEnd, Depth, NameStart, NameEnd, TailStart, TailEnd, NameId, TailId }
export const enum Kind { Other, Enter, Leaf, Exit, Function, Event }
/** Largest run of lines copied at once. */
export const SEGMENT = 4 << 20;
/** Records per scan call. */
const CAP = 8192;
const PAD = 16;
const PAGE = 64 << 10;

// The global WebAssembly API, which this project's lib settings (ES2022, no DOM) do not declare.
declare namespace WebAssembly {
  class Module { constructor(bytes: Uint8Array) }
  class Memory { constructor(d: { initial: number }); readonly buffer: ArrayBuffer; grow(pages: number): number }
  class Table { constructor(d: { initial: number; element: 'anyfunc' }) }
  class Instance { constructor(m: Module, imports: Record<string, Record<string, unknown>>); readonly exports: Record<string, unknown> }
}

type ScanFn = (input: number, start: number, stop: number, out: number, durs: number, cap: number, names: number) => number;

export class GraphScanner {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly scanFn: ScanFn;
  /** Input, records and durations follow the name table, which stays at 0 as memory grows. */
  private readonly inputPtr: number;
  private inputCap = 0;
  private outPtr = 0;
  private durPtr = 0;
  bytes = new Uint8Array(0);
  ints = new Int32Array(0);
  durs = new Float64Array(0);
  readonly names: string[] = [];

  constructor(module: WebAssembly.Module) {
    const table = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
    const inst = new WebAssembly.Instance(module, { env: { __linear_memory: this.memory, __indirect_function_table: table } });
    this.scanFn = inst.exports.scan as ScanFn;
    this.inputPtr = ((inst.exports.nameTableBytes as () => number)() + 7) & ~7;
  }

  /** Copies buf[from, from + len) (whole lines) to the input area, zero padded. */
  load(buf: Buffer, from: number, len: number): void {
    if (len > this.inputCap) this.grow(len);
    this.bytes.set(buf.subarray(from, from + len), this.inputPtr);
    this.bytes.fill(0, this.inputPtr + len, this.inputPtr + len + PAD);
  }

  /** Scans input lines from `start` (up to the '\n' at `stop`); returns how many records it wrote. */
  scan(start: number, stop: number): number {
    return this.scanFn(this.inputPtr, start, stop, this.outPtr, this.durPtr, CAP, 0);
  }

  private grow(len: number): void {
    const inputCap = Math.max(len, Math.min(SEGMENT, 2 * this.inputCap), 64 << 10);
    const outPtr = (this.inputPtr + inputCap + PAD + 7) & ~7;
    const durPtr = outPtr + CAP * REC * 4;
    const need = durPtr + CAP * 8;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    const mem = this.memory.buffer;
    this.inputCap = inputCap;
    this.outPtr = outPtr;
    this.durPtr = durPtr;
    this.bytes = new Uint8Array(mem);
    this.ints = new Int32Array(mem, outPtr, CAP * REC);
    this.durs = new Float64Array(mem, durPtr, CAP);
  }
}

let shared: GraphScanner | null | undefined;

/**
 * This thread's scanner, or null where WebAssembly is unavailable or KPN_FTRACE_WASM=0 (to
 * compare with, or fall back to, the JS path): ReportBytes then scans in JS.
 */
export function graphScanner(): GraphScanner | null {
  if (shared === undefined) {
    if (process.env.KPN_FTRACE_WASM === '0') return (shared = null);
    try {
      shared = new GraphScanner(new WebAssembly.Module(GRAPH_SCAN_WASM));
    } catch {
      shared = null;
    }
  }
  return shared;
}
