/**
 * The fast path of `trace-cmd report` parsing: the record shapes that make up nearly all of a
 * large report (funcgraph_entry/exit, `function:` hits, plain events) are read straight from
 * the bytes, and a name becomes a string only the first time it is seen (NameTable). Any line
 * this path does not fully recognise goes, decoded, to ReportLineParser, which owns the
 * grammar, the error messages and every rare form, so both paths give one model. Every scan
 * stops at '\n', which the splitter guarantees ends each line, so no bound checks are needed.
 */
import { MAX_DEPTH, ModelBuilder } from '../model';
import type { LineBlockSink } from './lineSplitter';
import { NameTable } from './nameTable';
import { ReportLineParser } from './reportLine';
import { isDigit, isNameChar, isOverheadMarker } from './scan';

const NL = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const FUNCGRAPH_ENTRY = Buffer.from('funcgraph_entry');
const FUNCGRAPH_EXIT = Buffer.from('funcgraph_exit');
const FUNCTION = Buffer.from('function');

export class ReportBytes implements LineBlockSink {
  private readonly names = new NameTable();
  /** Duration scanned by `duration` (ns). */
  private dur = 0;

  constructor(private readonly b: ModelBuilder, private readonly slow: ReportLineParser) {}

  block(buf: Buffer, start: number, stop: number, firstLineNo: number): number {
    let n = firstLineNo;
    let p = start;
    while (p <= stop) {
      let nl = this.record(buf, p);
      if (nl < 0) {
        nl = buf.indexOf(NL, p);
        this.slow.line(buf.toString('latin1', p, nl), 0, nl - p, n);
      } else {
        this.slow.inStack = false;
      }
      n++;
      p = nl + 1;
    }
    return n - firstLineNo;
  }

  /** Parses the record line at p; returns the index of its '\n', or -1 for the slow path. */
  private record(buf: Buffer, p: number): number {
    p = skipSpaces(buf, p);
    // `=>` stack frames and blank lines belong to the slow path.
    if (buf[p] === 0x3d || buf[p] === NL) return -1;
    // `comm-pid [cpu]`: the first `[` only; comms holding brackets are left to the slow path.
    let br = p;
    for (;;) {
      const c = buf[br];
      if (c === 0x5b) break;
      if (c === NL) return -1;
      br++;
    }
    let q = br + 1;
    let cpu = 0;
    for (;;) {
      const c = buf[q];
      if (c < 0x30 || c > 0x39) break;
      cpu = cpu * 10 + c - 0x30;
      q++;
    }
    if (q === br + 1 || q - br - 1 > 6 || buf[q] !== 0x5d) return -1;
    let d = br;
    while (d > p && buf[d - 1] === SP) d--;
    const pidEnd = d;
    while (d > p && isDigit(buf[d - 1])) d--;
    if (d === pidEnd || d <= p || buf[d - 1] !== 0x2d || pidEnd - d > 10) return -1;
    let pid = 0;
    for (let i = d; i < pidEnd; i++) pid = pid * 10 + buf[i] - 0x30;
    // optional latency flags, then `seconds.fraction:`
    q = skipSpaces(buf, q + 1);
    let colon = timestampEnd(buf, q);
    if (colon < 0) {
      while (buf[q] !== SP) { if (buf[q] === NL) return -1; q++; }
      q = skipSpaces(buf, q);
      colon = timestampEnd(buf, q);
      if (colon < 0) return -1;
    }
    const tsStart = q;
    const ev = skipSpaces(buf, colon + 1);
    let e = ev;
    for (;;) {
      const c = buf[e];
      if (c === 0x3a) break;
      if (!isNameChar(c)) return -1;
      e++;
    }
    if (e === ev) return -1;
    const ctx = this.b.taskKey(pid, cpu);
    if (!this.b.hasTask(ctx)) this.b.task(ctx, buf.toString('latin1', p, d - 1));
    const len = e - ev;
    if (len === 15 && same(buf, ev, FUNCGRAPH_ENTRY)) return this.graph(buf, e + 1, ctx, true);
    if (len === 14 && same(buf, ev, FUNCGRAPH_EXIT)) return this.graph(buf, e + 1, ctx, false);
    if (len === 8 && same(buf, ev, FUNCTION)) return this.fn(buf, e + 1, ctx);
    // kernel_stack starts frame lines: its state lives in the slow path.
    if (len === 12 && buf[ev] === 0x6b && buf.toString('latin1', ev, e) === 'kernel_stack') return -1;
    this.b.event(ctx, this.name(buf, ev, e), timestampNs(buf, tsStart, colon));
    return lineEnd(buf, e);
  }

  private graph(buf: Buffer, q: number, ctx: number, entry: boolean): number {
    let r = skipSpaces(buf, q);
    let dur = NaN;
    if (buf[r] !== 0x7c /* | */) {
      if (buf[r] === 0x66 /* f */ && buf[r + 4] === 0x3d /* func= */) return -1;
      const after = this.duration(buf, r);
      if (after < 0) return -1;
      dur = this.dur;
      r = skipSpaces(buf, after);
      if (buf[r] !== 0x7c) return -1;
    }
    // Body: indentation (2 spaces per depth after the one that follows `|`), then the call.
    const p = r + 1;
    const t = skipSpaces(buf, p);
    const indent = t - p - 2;
    const depth = indent > 0 ? indent >> 1 : 0;
    if (depth >= MAX_DEPTH) return -1;
    const c = buf[t];
    if (c === 0x7d /* } */) {
      if (entry) return -1;
      let a = skipSpaces(buf, t + 1);
      let tail: string | null = null;
      if (buf[a] === 0x2f && buf[a + 1] === 0x2a /* slash-star */) {
        a = skipSpaces(buf, a + 2);
        const z = symbolEnd(buf, a);
        if (z > a) tail = this.name(buf, a, z);
        a = z;
      }
      this.b.exit(ctx, depth, dur, tail);
      return lineEnd(buf, a);
    }
    const ne = symbolEnd(buf, t);
    if (!entry || ne === t || buf[ne] !== 0x28 /* ( */) return -1;
    // Entry when the line ends in `{`, leaf when `);` comes after the name.
    let last = 0;
    let leaf = false;
    let i = ne + 1;
    for (;;) {
      const ch = buf[i];
      if (ch === NL) break;
      if (ch !== SP && ch !== TAB && ch !== CR) {
        if (ch === 0x3b /* ; */ && buf[i - 1] === 0x29 /* ) */) leaf = true;
        last = ch;
      }
      i++;
    }
    if (last === 0x7b /* { */) this.b.enter(ctx, depth, this.name(buf, t, ne));
    else if (leaf) this.b.leaf(ctx, depth, this.name(buf, t, ne), dur);
    else return -1;
    return i;
  }

  private fn(buf: Buffer, q: number, ctx: number): number {
    const p = skipSpaces(buf, q);
    if (buf[p] === 0x69 /* i */ && buf[p + 1] === 0x70 && buf[p + 2] === 0x3d /* ip= */) return -1;
    const ne = symbolEnd(buf, p);
    if (ne === p) return -1;
    let a = skipSpaces(buf, ne);
    let parent: string | null = null;
    if (buf[a] === 0x3c /* < */ && buf[a + 1] === 0x2d /* - */) {
      a = skipSpaces(buf, a + (buf[a + 2] === 0x2d ? 3 : 2));
      const pe = symbolEnd(buf, a);
      if (pe > a) parent = this.name(buf, a, pe);
      a = pe;
    }
    this.b.functionHit(ctx, this.name(buf, p, ne), parent);
    return lineEnd(buf, a);
  }

  /**
   * Mirror of scanDuration on bytes (same arithmetic, so both paths sum identical times):
   * `[marker] number [spaces] unit`; returns the position after the unit or -1, ns in `dur`.
   */
  private duration(buf: Buffer, p: number): number {
    p = skipSpaces(buf, p);
    if (isOverheadMarker(buf[p])) p = skipSpaces(buf, p + 1);
    let v = 0;
    const start = p;
    for (;;) {
      const c = buf[p];
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      p++;
    }
    if (p === start) return -1;
    if (buf[p] === 0x2e /* . */) {
      let scale = 1;
      let frac = 0;
      let q = p + 1;
      for (;;) {
        const c = buf[q];
        if (c < 0x30 || c > 0x39) break;
        frac = frac * 10 + (c - 0x30);
        scale *= 10;
        q++;
      }
      if (q > p + 1) { v += frac / scale; p = q; }
    }
    p = skipSpaces(buf, p);
    const c0 = buf[p];
    if (c0 === NL) return -1;
    const c1 = buf[p + 1];
    let mul: number;
    if (c1 === 0x73 /* s */ && c0 === 0x75 /* u */) { mul = 1e3; p += 2; }
    else if (c1 === 0x73 && c0 === 0x6e /* n */) { mul = 1; p += 2; }
    else if (c1 === 0x73 && c0 === 0x6d /* m */) { mul = 1e6; p += 2; }
    else if (c0 === 0x73 /* s */ && !isNameChar(c1)) { mul = 1e9; p += 1; }
    else return -1;
    this.dur = v * mul;
    return p;
  }

  private name(buf: Buffer, a: number, b: number): string {
    const id = this.names.id(buf, a, b);
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

function lineEnd(buf: Buffer, p: number): number {
  while (buf[p] !== NL) p++;
  return p;
}

/** `name` or `name+0x1c/0x50`, as scanSymbolEnd. */
function symbolEnd(buf: Buffer, p: number): number {
  while (isNameChar(buf[p])) p++;
  if (buf[p] === 0x2b /* + */) {
    p++;
    for (;;) {
      const c = buf[p];
      if (!(isNameChar(c) || c === 0x2f /* / */)) break;
      p++;
    }
  }
  return p;
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

function same(buf: Buffer, p: number, lit: Buffer): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[p + i] !== lit[i]) return false;
  return true;
}
