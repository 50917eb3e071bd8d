/**
 * The fast path of `trace-cmd report` parsing: the record shapes that make up nearly all of a
 * large report (funcgraph_entry/exit, `function:` hits, plain events) are read straight from
 * the bytes, and a name becomes a string only the first time it is seen (NameTable). Any line
 * this path does not fully recognise goes, decoded, to ReportLineParser, which owns the
 * grammar, the error messages and every rare form, so both paths give one model. Every scan
 * stops at '\n', which the splitter guarantees ends each line, so no bound checks are needed.
 *
 * The same record shapes are first read by the WebAssembly scanner (graphScanner, a C port of
 * record/graph/fn below, about twice as fast per line); the lines it leaves come back here.
 * For a piece builder the scanner also applies the graph records of the tasks the builder has
 * settled (GraphModel), so most records never reach JS. Where WebAssembly is unavailable these
 * JS scanners read every line.
 */
import { forgetPieceState, MAX_DEPTH, ModelBuilder, type NameRef } from '../model';
import type { LineBlockSink } from './lineSplitter';
import { ReportLineParser } from './reportLine';
import { isDigit, isNameChar, isOverheadMarker } from './scan';
import { FNV_BASIS, FNV_PRIME, NameTable } from './nameTable';
import { GraphScanner, graphScanner, Kind, REC, Rec, SEGMENT } from './graphScanner';
import type { GraphModel } from './graphModel';

const NL = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const FUNCTION = Buffer.from('function');
/** isNameChar as a table: one load per byte in the loops that read names. */
const NAME_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) NAME_CHAR[c] = isNameChar(c) ? 1 : 0;

export class ReportBytes implements LineBlockSink {
  private readonly names = new NameTable();
  /** The builder's ref of each scanner name id (the scanner's table outlives this import). */
  private readonly refs: (NameRef | undefined)[] = [];
  /** Duration scanned by `duration` (ns). */
  private dur = 0;
  /** Hash of the symbol scanned by `symbol`, for NameTable. */
  private hash = 0;
  /** Position of the next `=` in the current block (or its length), see record. */
  private nextEq = -1;
  private lastPid = -1;
  private lastCpu = -1;
  private lastCtx = 0;
  /** The scanner's graph model, for a piece builder (see GraphModel). */
  private readonly gm: GraphModel | null = null;

  constructor(private readonly b: ModelBuilder, private readonly slow: ReportLineParser) {
    const sc = graphScanner();
    if (sc !== null && b.isPiece && process.env.KPN_FTRACE_WASM_MODEL !== '0') {
      this.gm = sc.model;
      this.gm.refs = this.refs;
      this.gm.reset();
      b.offload = this.gm;
    }
  }

  /** After the builder's restartPiece: the next piece starts with no task or stack known. */
  restartPiece(): void {
    this.lastPid = -1;
    this.lastCpu = -1;
    this.lastCtx = 0;
    this.slow.inStack = false;
    // Refs past the builder's REF_LIMIT are cached here only.
    for (const r of this.refs) if (r !== undefined) forgetPieceState(r);
    if (this.gm !== null) {
      this.gm.refs = this.refs;
      this.gm.reset();
    }
  }

  block(buf: Buffer, start: number, stop: number, firstLineNo: number): number {
    const sc = graphScanner();
    this.nextEq = -1;
    if (sc === null) return this.lines(buf, start, stop, firstLineNo);
    // The WebAssembly scanner reads runs of whole lines of at most SEGMENT bytes.
    let n = firstLineNo;
    let p = start;
    while (p <= stop) {
      let end = stop;
      if (stop - p >= SEGMENT) {
        end = buf.lastIndexOf(NL, p + SEGMENT - 1);
        if (end < p) end = buf.indexOf(NL, p + SEGMENT - 1);
        if (end - p >= SEGMENT) { n += this.lines(buf, p, end, n); p = end + 1; continue; }
      }
      n += this.scanned(sc, buf, p, end, n);
      p = end + 1;
    }
    return n - firstLineNo;
  }

  /**
   * Lines of buf[start, stop] through the scanner's records; OTHER records go to `line`. Lines
   * the graph model applied have no record: `Rec.Line` numbers the lines of one scan call.
   */
  private scanned(sc: GraphScanner, buf: Buffer, base: number, stop: number, firstLineNo: number): number {
    sc.load(buf, base, stop + 1 - base);
    const last = stop - base;
    const gm = this.gm;
    let n = firstLineNo;
    let prev = n - 1;
    let at = 0;
    let resolvedAt = -1;
    while (at <= last) {
      const count = sc.scan(at, last, gm !== null);
      const r = sc.ints;
      for (let i = 0, o = 0; i < count; i++, o += REC) {
        const kind = r[o + Rec.Kind];
        if (kind === Kind.Resolve) {
          // The last record of the call; the line is read again. An event's name only needs its string.
          if (r[o + Rec.Start] === resolvedAt) throw new Error(`line ${n + r[o + Rec.Line]}: the scanner asked twice for the names of one record`);
          resolvedAt = r[o + Rec.Start];
          if (r[o + Rec.Handover] === Kind.Event) this.scannedName(sc, buf, base, o, Rec.NameId);
          else {
            if (r[o + Rec.NameId] >= 0) this.scannedRef(sc, buf, base, o, Rec.NameId);
            if (r[o + Rec.TailStart] >= 0 && r[o + Rec.TailId] >= 0) this.scannedRef(sc, buf, base, o, Rec.TailId);
          }
          break;
        }
        const lineNo = n + r[o + Rec.Line];
        if (kind === Kind.Other) {
          // A record line the model applied comes between: the slow path's `=>` frames are over.
          if (lineNo > prev + 1) this.slow.inStack = false;
          this.line(buf, base + r[o + Rec.Start], base + r[o + Rec.End], lineNo);
        } else {
          const ctx = this.context(buf, base + r[o + Rec.CommStart], base + r[o + Rec.CommEnd] + 1, r[o + Rec.Pid], r[o + Rec.Cpu]);
          this.slow.inStack = false;
          const depth = r[o + Rec.Depth];
          if (kind === Kind.Function) {
            const name = this.scannedRef(sc, buf, base, o, Rec.NameId);
            this.b.functionHitRef(ctx, name, r[o + Rec.TailStart] < 0 ? null : this.scannedRef(sc, buf, base, o, Rec.TailId));
          } else if (kind === Kind.Event) {
            this.b.event(ctx, this.scannedName(sc, buf, base, o, Rec.NameId), sc.durs[i]);
          } else {
            if (r[o + Rec.Handover] !== 0) this.b.adoptFrames(ctx, gm!.take(ctx, true)!);
            if (kind === Kind.Exit) {
              const tail = r[o + Rec.TailStart] < 0 ? null : this.scannedRef(sc, buf, base, o, Rec.TailId);
              this.b.exitRef(ctx, depth, sc.durs[i], tail);
            } else {
              const name = this.scannedRef(sc, buf, base, o, Rec.NameId);
              if (kind === Kind.Enter) this.b.enterRef(ctx, depth, name);
              else this.b.leafRef(ctx, depth, name, sc.durs[i]);
            }
          }
        }
        prev = lineNo;
      }
      // Applied records at the end of the call also end a run of `=>` frames.
      if (n + sc.lines - 1 > prev) { this.slow.inStack = false; prev = n + sc.lines - 1; }
      n += sc.lines;
      at = sc.next;
    }
    return n - firstLineNo;
  }

  /** As scannedName, as the builder's ref: by the scanner's id without a lookup. */
  private scannedRef(sc: GraphScanner, buf: Buffer, base: number, o: number, idField: Rec.NameId | Rec.TailId): NameRef {
    const id = sc.ints[o + idField];
    if (id < 0) return this.b.ref(this.scannedName(sc, buf, base, o, idField));
    const refs = this.refs;
    let r = refs[id];
    if (r === undefined) {
      // Filled densely: a write far past the end would turn the array into a slow dictionary.
      while (refs.length <= id) refs.push(undefined);
      r = refs[id] = this.b.ref(this.scannedName(sc, buf, base, o, idField));
      sc.model.resolve(id, r);
    }
    return r;
  }

  /**
   * The name (field NameId) or tail (TailId) of the record at ints offset o: by the scanner's
   * id, or through NameTable once the scanner's table is full.
   */
  private scannedName(sc: GraphScanner, buf: Buffer, base: number, o: number, idField: Rec.NameId | Rec.TailId): string {
    const r = sc.ints;
    const id = r[o + idField];
    const start = idField === Rec.NameId ? Rec.NameStart : Rec.TailStart;
    if (id >= 0) {
      let s = sc.names[id];
      if (s === undefined) {
        s = sc.names[id] = buf.toString('latin1', base + r[o + start], base + r[o + start + 1]);
        sc.model.named(id);
      }
      return s;
    }
    return this.internedName(buf, base + r[o + start], base + r[o + start + 1]);
  }

  /** Lines of buf[start, stop] parsed here, in JS. */
  private lines(buf: Buffer, start: number, stop: number, firstLineNo: number): number {
    let n = firstLineNo;
    let p = start;
    while (p <= stop) {
      // Native scans (line end, `[`) instead of JS loops over the padding: a JS loop costs
      // several times more per byte than indexOf, and half of a report line is padding.
      const nl = buf.indexOf(NL, p);
      this.line(buf, p, nl, n);
      n++;
      p = nl + 1;
    }
    return n - firstLineNo;
  }

  private line(buf: Buffer, p: number, nl: number, lineNo: number): void {
    // A record parsed here may be of a task the graph model holds: the builder takes it back first.
    this.b.offloadCheck = this.gm !== null;
    if (this.record(buf, p, nl)) this.slow.inStack = false;
    else this.slow.line(buf.toString('latin1', p, nl), 0, nl - p, lineNo);
    this.b.offloadCheck = false;
  }

  /** Parses the record line buf[p, nl); false leaves it to the slow path. */
  private record(buf: Buffer, p: number, nl: number): boolean {
    // `comm-pid [cpu]`: the first `[` only; comms holding brackets are left to the slow path.
    const br = buf.indexOf(0x5b, p);
    if (br < 0 || br > nl) return false;
    // `=>` stack frames belong to the slow path: any line whose first non-blank is `=`. The
    // next `=` in the block is remembered, so lines without one cost no scan of their start.
    if (this.nextEq < p) {
      this.nextEq = buf.indexOf(0x3d, p);
      if (this.nextEq < 0) this.nextEq = buf.length;
    }
    if (this.nextEq < br && buf[skipSpaces(buf, p)] === 0x3d) return false;
    let q = br + 1;
    let cpu = 0;
    for (;;) {
      const c = buf[q];
      if (c < 0x30 || c > 0x39) break;
      cpu = cpu * 10 + c - 0x30;
      q++;
    }
    if (q === br + 1 || q - br - 1 > 6 || buf[q] !== 0x5d) return false;
    let d = br;
    while (d > p && buf[d - 1] === SP) d--;
    const pidEnd = d;
    for (;;) {
      const c = buf[d - 1];
      if (d <= p || c < 0x30 || c > 0x39) break;
      d--;
    }
    if (d === pidEnd || d <= p || buf[d - 1] !== 0x2d || pidEnd - d > 10) return false;
    let pid = 0;
    for (let i = d; i < pidEnd; i++) pid = pid * 10 + buf[i] - 0x30;
    // optional latency flags, then `seconds.fraction:`
    q = skipSpaces(buf, q + 1);
    let colon = timestampEnd(buf, q);
    if (colon < 0) {
      while (buf[q] !== SP) { if (buf[q] === NL) return false; q++; }
      q = skipSpaces(buf, q);
      colon = timestampEnd(buf, q);
      if (colon < 0) return false;
    }
    const tsStart = q;
    const ev = skipSpaces(buf, colon + 1);
    // The graph events, nearly every line of a function_graph report, are matched whole (colon included).
    const g = graphEvent(buf, ev);
    if (g === 1) return this.graph(buf, ev + 16, nl, this.context(buf, p, d, pid, cpu), true);
    if (g === 2) return this.graph(buf, ev + 15, nl, this.context(buf, p, d, pid, cpu), false);
    let e = ev;
    for (;;) {
      const c = buf[e];
      if (c === 0x3a) break;
      if (NAME_CHAR[c] === 0) return false;
      e++;
    }
    if (e === ev) return false;
    const ctx = this.context(buf, p, d, pid, cpu);
    const len = e - ev;
    if (len === 8 && same(buf, ev, FUNCTION)) return this.fn(buf, e + 1, ctx);
    // kernel_stack starts frame lines: its state lives in the slow path.
    if (len === 12 && buf[ev] === 0x6b && buf.toString('latin1', ev, e) === 'kernel_stack') return false;
    this.b.event(ctx, this.internedName(buf, ev, e), timestampNs(buf, tsStart, colon));
    return true;
  }

  /**
   * The task's context key, naming the task the first time it is seen (comm = buf[p, d - 1)).
   * Runs of lines from one task are the rule, and a named task stays named, so the last one is remembered.
   */
  private context(buf: Buffer, p: number, d: number, pid: number, cpu: number): number {
    if (pid === this.lastPid && cpu === this.lastCpu) return this.lastCtx;
    const ctx = this.b.taskKey(pid, cpu);
    if (!this.b.hasTask(ctx)) this.b.task(ctx, buf.toString('latin1', skipSpaces(buf, p), d - 1));
    this.lastPid = pid;
    this.lastCpu = cpu;
    this.lastCtx = ctx;
    return ctx;
  }

  private graph(buf: Buffer, q: number, nl: number, ctx: number, entry: boolean): boolean {
    let r = skipSpaces(buf, q);
    let dur = NaN;
    if (buf[r] !== 0x7c /* | */) {
      if (buf[r] === 0x66 /* f */ && buf[r + 4] === 0x3d /* func= */) return false;
      const after = this.duration(buf, r);
      if (after < 0) return false;
      dur = this.dur;
      r = skipSpaces(buf, after);
      if (buf[r] !== 0x7c) return false;
    }
    // Body: indentation (2 spaces per depth after the one that follows `|`), then the call.
    const p = r + 1;
    const t = skipSpaces(buf, p);
    const indent = t - p - 2;
    const depth = indent > 0 ? indent >> 1 : 0;
    if (depth >= MAX_DEPTH) return false;
    const c = buf[t];
    if (c === 0x7d /* } */) {
      if (entry) return false;
      let a = skipSpaces(buf, t + 1);
      let tail: string | null = null;
      if (buf[a] === 0x2f && buf[a + 1] === 0x2a /* slash-star */) {
        a = skipSpaces(buf, a + 2);
        const z = this.symbol(buf, a);
        if (z > a) tail = this.name(buf, a, z);
        a = z;
      }
      this.b.exit(ctx, depth, dur, tail);
      return true;
    }
    if (!entry) return false;
    const ne = this.symbol(buf, t);
    if (ne === t || buf[ne] !== 0x28 /* ( */) return false;
    // Entry when the line ends in `{`, leaf when `);` comes after the name. The usual endings,
    // `() {` and `();`, are read backwards from the line end; anything else is scanned.
    let z = nl - 1;
    while (z > ne && (buf[z] === SP || buf[z] === TAB || buf[z] === CR)) z--;
    const last = buf[z];
    if (last === 0x7b /* { */) { this.b.enter(ctx, depth, this.name(buf, t, ne)); return true; }
    if (last === 0x3b /* ; */ && buf[z - 1] === 0x29 /* ) */ && z - 1 > ne) { this.b.leaf(ctx, depth, this.name(buf, t, ne), dur); return true; }
    for (let i = ne + 2; i < nl; i++) {
      if (buf[i] === 0x3b && buf[i - 1] === 0x29) { this.b.leaf(ctx, depth, this.name(buf, t, ne), dur); return true; }
    }
    return false;
  }

  private fn(buf: Buffer, q: number, ctx: number): boolean {
    const p = skipSpaces(buf, q);
    if (buf[p] === 0x69 /* i */ && buf[p + 1] === 0x70 && buf[p + 2] === 0x3d /* ip= */) return false;
    const ne = this.symbol(buf, p);
    if (ne === p) return false;
    const name = this.name(buf, p, ne);
    let a = skipSpaces(buf, ne);
    let parent: string | null = null;
    if (buf[a] === 0x3c /* < */ && buf[a + 1] === 0x2d /* - */) {
      a = skipSpaces(buf, a + (buf[a + 2] === 0x2d ? 3 : 2));
      const pe = this.symbol(buf, a);
      if (pe > a) parent = this.name(buf, a, pe);
      a = pe;
    }
    this.b.functionHit(ctx, name, parent);
    return true;
  }

  /**
   * Mirror of scanDuration on bytes (same arithmetic, so both paths sum identical times):
   * `[marker] number [spaces] unit`; returns the position after the unit or -1, ns in `dur`.
   */
  private duration(buf: Buffer, p: number): number {
    p = skipSpaces(buf, p);
    if (isOverheadMarker(buf[p])) p = skipSpaces(buf, p + 1);
    let v = 0;
    let scale = 1;
    let frac = 0;
    const start = p;
    for (;;) {
      const c = buf[p];
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      p++;
    }
    if (p === start) return -1;
    if (buf[p] === 0x2e /* . */) {
      let q = p + 1;
      for (;;) {
        const c = buf[q];
        if (c < 0x30 || c > 0x39) break;
        frac = frac * 10 + (c - 0x30);
        scale *= 10;
        q++;
      }
      if (q > p + 1) p = q;
      else { frac = 0; scale = 1; }
    }
    p = skipSpaces(buf, p);
    const c0 = buf[p];
    if (c0 === NL) return -1;
    const c1 = buf[p + 1];
    let mul: number;
    if (c1 === 0x73 /* s */ && c0 === 0x75 /* u */) { mul = 1e3; p += 2; }
    else if (c1 === 0x73 && c0 === 0x6e /* n */) { mul = 1; p += 2; }
    else if (c1 === 0x73 && c0 === 0x6d /* m */) { mul = 1e6; p += 2; }
    else if (c0 === 0x73 /* s */ && NAME_CHAR[c1] === 0) { mul = 1e9; p += 1; }
    else return -1;
    this.dur = v * mul + frac * mul / scale;
    return p;
  }

  /**
   * End of a `name` or `name+0x1c/0x50` symbol at p (as scanSymbolEnd), hashing it on the way
   * so NameTable need not read it again: the hash is for the range [p, end) returned.
   */
  private symbol(buf: Buffer, p: number): number {
    let h = FNV_BASIS;
    for (;;) {
      const c = buf[p];
      if (NAME_CHAR[c] === 0) break;
      h = Math.imul(h ^ c, FNV_PRIME);
      p++;
    }
    if (buf[p] === 0x2b /* + */) {
      h = Math.imul(h ^ 0x2b, FNV_PRIME);
      p++;
      for (;;) {
        const c = buf[p];
        if (NAME_CHAR[c] === 0 && c !== 0x2f /* / */) break;
        h = Math.imul(h ^ c, FNV_PRIME);
        p++;
      }
    }
    this.hash = h;
    return p;
  }

  /** The name in buf[a, b), hashed here (events, and names past the scanner table). */
  private internedName(buf: Buffer, a: number, b: number): string {
    const id = this.names.id(buf, a, b);
    return id >= 0 ? this.names.strings[id] : buf.toString('latin1', a, b);
  }

  /** The name in buf[a, b), which `symbol` just scanned (and hashed). */
  private name(buf: Buffer, a: number, b: number): string {
    const id = this.names.idHashed(buf, a, b, this.hash);
    return id >= 0 ? this.names.strings[id] : buf.toString('latin1', a, b);
  }
}

function skipSpaces(buf: Buffer, p: number): number {
  for (;;) {
    const c = buf[p];
    if (c !== SP && c !== TAB) return p;
    p++;
  }
}

/** `digits.digits:` at q: the position of the colon, else -1. */
function timestampEnd(buf: Buffer, q: number): number {
  const a = q;
  while (isDigit(buf[q])) q++;
  if (q === a || buf[q] !== 0x2e) return -1;
  const f = ++q;
  while (isDigit(buf[q])) q++;
  return q > f && buf[q] === 0x3a ? q : -1;
}

/** As headerTimestampNs: seconds and up to 9 fraction digits. */
function timestampNs(buf: Buffer, p: number, colon: number): number {
  let sec = 0;
  while (buf[p] !== 0x2e) { sec = sec * 10 + buf[p] - 0x30; p++; }
  p++;
  let frac = 0;
  let digits = 0;
  while (p < colon && digits < 9) { frac = frac * 10 + buf[p] - 0x30; p++; digits++; }
  while (digits < 9) { frac *= 10; digits++; }
  return sec * 1e9 + frac;
}

/**
 * 1 for `funcgraph_entry:` at p, 2 for `funcgraph_exit:`, else 0. Unrolled against constants
 * (one load per byte instead of two): it runs on every line.
 */
function graphEvent(buf: Buffer, p: number): number {
  if (buf[p] !== 0x66 || buf[p + 1] !== 0x75 || buf[p + 2] !== 0x6e || buf[p + 3] !== 0x63 || buf[p + 4] !== 0x67 ||
    buf[p + 5] !== 0x72 || buf[p + 6] !== 0x61 || buf[p + 7] !== 0x70 || buf[p + 8] !== 0x68 || buf[p + 9] !== 0x5f ||
    buf[p + 10] !== 0x65) return 0;
  const c = buf[p + 11];
  if (c === 0x6e /* ntry: */) return buf[p + 12] === 0x74 && buf[p + 13] === 0x72 && buf[p + 14] === 0x79 && buf[p + 15] === 0x3a ? 1 : 0;
  if (c === 0x78 /* xit: */) return buf[p + 12] === 0x69 && buf[p + 13] === 0x74 && buf[p + 14] === 0x3a ? 2 : 0;
  return 0;
}

function same(buf: Buffer, p: number, lit: Buffer): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[p + i] !== lit[i]) return false;
  return true;
}
