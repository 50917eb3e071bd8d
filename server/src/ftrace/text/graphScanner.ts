/**
 * The WebAssembly record scanner (wasm/graphScan.c): ReportBytes copies a run of whole
 * lines into its memory (or reads the file straight into it, readBuffer) and reads back one
 * fixed-size record per line, or none for the records its graph model applied (GraphModel).
 * One instance per thread: its name table interns names for every import in the thread
 * (`names` holds their strings, made the first time an id is seen).
 */
import { GraphModel } from './graphModel';
import { CARRY, TAIL } from './readLineBlocks';
import { GRAPH_SCAN_WASM } from './wasm/graphScanWasm';

/** Ints per record; the field order is graphScan.c's. */
export const REC = 16;
export const enum Rec { Kind, End, Pid, Cpu, CommStart, CommEnd, Depth, NameStart, NameEnd, TailStart, TailEnd, NameId, TailId, Line, Start, Handover }
/** Resolve: the graph model waits for the record's names (GraphModel.resolve), then reads the line again. */
export const enum Kind { Other, Enter, Leaf, Exit, Function, Event, Resolve }
/** Largest run of lines copied at once. */
export const SEGMENT = 4 << 20;
/** Size of the read buffer in the module's memory (readBuffer). */
export const READ_AREA = 128 << 10;
/** Records per scan call. */
const CAP = 8192;
/** Bytes after an input the scanner may load (its 16-byte vector loads): the read area's TAIL. */
const PAD = TAIL;
const PAGE = 64 << 10;

// The global WebAssembly API, which this project's lib settings (ES2022, no DOM) do not declare.
declare namespace WebAssembly {
  class Module { constructor(bytes: Uint8Array) }
  class Memory { constructor(d: { initial: number }); readonly buffer: ArrayBuffer; grow(pages: number): number }
  class Table { constructor(d: { initial: number; element: 'anyfunc' }) }
  class Instance { constructor(m: Module, imports: Record<string, Record<string, unknown>>); readonly exports: Record<string, unknown> }
}

type ScanFn = (input: number, start: number, stop: number, out: number, durs: number, cap: number, names: number, model: number) => number;
/** The module's exports that GraphModel calls. */
export interface ModelExports {
  modelLayout(model: number, out: number): void;
  modelReset(model: number): void;
  take(model: number, key: number, handover: number): number;
}

export class GraphScanner {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly scanFn: ScanFn;
  /** The graph model follows the name table; both stay put as memory grows. */
  readonly modelPtr: number;
  /**
   * Input (runs copied in), records, durations and the read buffer follow the model, laid out
   * once: memory never grows after the constructor, so views of it (readBuffer) stay valid.
   */
  private readonly inputPtr: number;
  private readonly outPtr: number;
  private readonly durPtr: number;
  private readonly readPtr: number;
  /** Where the loaded run starts: the input area, or the read buffer when the run is already there. */
  private base = 0;
  readonly bytes: Uint8Array;
  readonly ints: Int32Array;
  readonly durs: Float64Array;
  readonly names: string[] = [];
  /** Lines read and the position after them, of the last scan. */
  lines = 0;
  next = 0;
  readonly model: GraphModel;

  constructor(module: WebAssembly.Module) {
    const table = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
    const inst = new WebAssembly.Instance(module, { env: { __linear_memory: this.memory, __indirect_function_table: table } });
    this.scanFn = inst.exports.scan as ScanFn;
    this.modelPtr = ((inst.exports.nameTableBytes as () => number)() + 7) & ~7;
    this.inputPtr = (this.modelPtr + (inst.exports.modelBytes as () => number)() + 7) & ~7;
    this.outPtr = (this.inputPtr + SEGMENT + PAD + 7) & ~7;
    this.durPtr = (this.outPtr + (CAP * REC + 2) * 4 + 7) & ~7;
    // Page-aligned: the kernel's copy out of the page cache costs 3.5× more CPU into a
    // destination 8 or 16 bytes off a 32-byte boundary (bench/ftrace/readSize.mjs).
    this.readPtr = (this.durPtr + CAP * 8 + CARRY + 4095) & ~4095;
    const need = this.readPtr + READ_AREA + PAD;
    this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
    const mem = this.memory.buffer;
    this.bytes = new Uint8Array(mem);
    this.ints = new Int32Array(mem, this.outPtr, CAP * REC + 2);
    this.durs = new Float64Array(mem, this.durPtr, CAP);
    this.model = new GraphModel(this, inst.exports as unknown as ModelExports, this.inputPtr);
  }

  /**
   * A buffer in the module's memory to read input into, at CARRY (page-aligned), with room
   * before it for a cut line and 16 bytes after it: runs of lines in it are scanned where they
   * are, without the copy into the input area (see readLineBlocks).
   */
  readBuffer(): Buffer { return Buffer.from(this.memory.buffer, this.readPtr - CARRY, CARRY + READ_AREA + PAD); }

  /** Makes buf[from, from + len) (whole lines, len ≤ SEGMENT) the input: copied to the input area unless it is in the read buffer. */
  load(buf: Buffer, from: number, len: number): void {
    if (buf.buffer === this.memory.buffer) {
      // The scanner reads up to 16 bytes past the last '\n' but stops at it; what is there does not matter.
      this.base = buf.byteOffset + from;
      return;
    }
    this.base = this.inputPtr;
    this.bytes.set(buf.subarray(from, from + len), this.inputPtr);
    this.bytes.fill(0, this.inputPtr + len, this.inputPtr + len + PAD);
  }

  /**
   * Scans input lines from `start` (up to the '\n' at `stop`); returns how many records it
   * wrote. With `model`, records the model applied get none, and an OTHER record ends the call
   * (`lines`, `next`: where it stopped).
   */
  scan(start: number, stop: number, model = false): number {
    const n = this.scanFn(this.base, start, stop, this.outPtr, this.durPtr, CAP, 0, model ? this.modelPtr : 0);
    this.lines = this.ints[CAP * REC];
    this.next = this.ints[CAP * REC + 1];
    return n;
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
