/**
 * Lines of `trace-cmd report` for the function and function_graph tracers and events:
 *   `version = 6`, `cpus=2`, `CPU 0 is empty` headers;
 *   `comm-pid [cpu] [lat flags] ts: funcgraph_entry:   7.076 us   |  name();`
 *   `… function:             name <-- parent` (old) or `… function:   name` (3.x, indented);
 *   `-R` raw fields: `funcgraph_entry: func=0xffffffff8108 depth=2`, `function: ip=0x… parent_ip=0x…`;
 *   `kernel_stack:` followed by `=> name (address)` frames; any other event.
 */
import { ModelBuilder } from '../model';
import { body, GraphKind, parseGraphBody } from './graphBody';
import { hdr, headerTimestampNs, parseTaskHeader } from './taskHeader';
import { isDigit, isNameChar, scanDuration, scanned, scanSymbolEnd, skipSpaces, startsWithAt, trimEnd } from './scan';

export class ReportLineParser {
  /** Inside a kernel_stack record; ReportBytes clears it on the records it parses itself. */
  inStack = false;

  constructor(private readonly b: ModelBuilder) {}

  line(s: string, start: number, end: number, lineNo: number): void {
    end = trimEnd(s, start, end);
    const p = skipSpaces(s, start, end);
    if (p >= end) return;
    const c = s.charCodeAt(p);
    if (c === 0x3d /* = */ && p + 1 < end && s.charCodeAt(p + 1) === 0x3e) { this.frame(s, p + 2, end, lineNo); return; }
    this.inStack = false;
    if (parseTaskHeader(s, p, end)) { this.record(s, end, lineNo); return; }
    if (isFileHeader(s, p, end) || startsWithAt(s, p, end, '[...]')) return;
    const lost = droppedEvents(s, p, end);
    if (lost !== undefined) { this.b.lostEvents(lost); return; }
    this.b.skip(lineNo, 'not a trace-cmd report line', s.slice(start, end));
  }

  private record(s: string, end: number, lineNo: number): void {
    const pid = hdr.pid;
    const ctx = this.b.taskKey(pid, hdr.cpu);
    if (!this.b.hasTask(ctx)) this.b.task(ctx, s.slice(skipSpaces(s, hdr.commStart, hdr.commEnd), hdr.commEnd));
    const p = hdr.payload;
    let e = p;
    while (e < end && s.charCodeAt(e) !== 0x3a) {
      if (!isNameChar(s.charCodeAt(e))) break;
      e++;
    }
    if (e === p || e >= end || s.charCodeAt(e) !== 0x3a) { this.b.skip(lineNo, 'record without an event name', s.slice(hdr.commStart, end)); return; }
    const q = e + 1;
    const len = e - p;
    if (len === 15 && startsWithAt(s, p, e, 'funcgraph_entry')) { this.graph(s, q, end, ctx, true, lineNo); return; }
    if (len === 14 && startsWithAt(s, p, e, 'funcgraph_exit')) { this.graph(s, q, end, ctx, false, lineNo); return; }
    if (len === 8 && startsWithAt(s, p, e, 'function')) { this.fn(s, q, end, ctx, lineNo); return; }
    if (len === 12 && startsWithAt(s, p, e, 'kernel_stack')) { this.b.beginStack(); this.inStack = true; return; }
    this.b.event(ctx, s.slice(p, e), headerTimestampNs(s));
  }

  private graph(s: string, q: number, end: number, ctx: number, entry: boolean, lineNo: number): void {
    let r = skipSpaces(s, q, end);
    if (startsWithAt(s, r, end, 'func=')) { this.rawGraph(s, r, end, ctx, entry, lineNo); return; }
    let dur = NaN;
    if (r < end && s.charCodeAt(r) !== 0x7c) {
      if (!scanDuration(s, r, end)) { this.b.skip(lineNo, 'bad duration column', s.slice(q, end)); return; }
      dur = scanned.value;
      r = skipSpaces(s, scanned.pos, end);
    }
    if (r >= end || s.charCodeAt(r) !== 0x7c) { this.b.skip(lineNo, 'missing `|` after the duration', s.slice(q, end)); return; }
    const k = parseGraphBody(s, r + 1, end, 2);
    if (k === GraphKind.Entry && entry) this.b.enter(ctx, body.depth, s.slice(body.nameStart, body.nameEnd));
    else if (k === GraphKind.Leaf && entry) this.b.leaf(ctx, body.depth, s.slice(body.nameStart, body.nameEnd), dur);
    else if (k === GraphKind.Exit && !entry) {
      this.b.exit(ctx, body.depth, dur, body.tailEnd > body.tailStart ? s.slice(body.tailStart, body.tailEnd) : null);
    } else this.b.skip(lineNo, k === GraphKind.Bad ? body.reason : 'graph record kind does not match its event', s.slice(q, end));
  }

  /** `report -R`: `func=0x… depth=N` (entry) and `func=0x… calltime=… rettime=… depth=N` (exit). */
  private rawGraph(s: string, r: number, end: number, ctx: number, entry: boolean, lineNo: number): void {
    const func = field(s, r, end, 'func=');
    const depth = numField(s, r, end, 'depth=');
    if (func === null || depth !== depth || depth < 0 || depth >= 512) { this.b.skip(lineNo, 'raw graph record without func= and depth=', s.slice(r, end)); return; }
    if (entry) { this.b.enter(ctx, depth, func); return; }
    const dur = numField(s, r, end, 'rettime=') - numField(s, r, end, 'calltime=');
    this.b.exit(ctx, depth, dur, func);
  }

  private fn(s: string, q: number, end: number, ctx: number, lineNo: number): void {
    const p = skipSpaces(s, q, end);
    if (startsWithAt(s, p, end, 'ip=')) {
      const ip = field(s, p, end, 'ip=');
      if (ip === null) { this.b.skip(lineNo, 'raw function record without ip=', s.slice(q, end)); return; }
      this.b.functionHit(ctx, ip, field(s, p, end, 'parent_ip='));
      return;
    }
    const ne = scanSymbolEnd(s, p, end);
    if (ne === p) { this.b.skip(lineNo, 'function record without a name', s.slice(q, end)); return; }
    let a = skipSpaces(s, ne, end);
    let parent: string | null = null;
    if (startsWithAt(s, a, end, '<-')) {
      a = skipSpaces(s, a + (startsWithAt(s, a, end, '<--') ? 3 : 2), end);
      const pe = scanSymbolEnd(s, a, end);
      if (pe > a) parent = s.slice(a, pe);
    }
    this.b.functionHit(ctx, s.slice(p, ne), parent);
  }

  private frame(s: string, p: number, end: number, lineNo: number): void {
    if (!this.inStack) { this.b.skip(lineNo, 'stack frame outside a kernel_stack record', s.slice(p - 2, end)); return; }
    p = skipSpaces(s, p, end);
    const e = scanSymbolEnd(s, p, end);
    if (e === p || startsWithAt(s, p, e, '0x')) { this.b.stackFrame(null); return; }
    this.b.stackFrame(s.slice(p, e));
  }
}

/** Value of ` key=value` (the token after `key=`) or null. */
function field(s: string, p: number, end: number, key: string): string | null {
  let i = p;
  for (;;) {
    i = s.indexOf(key, i);
    if (i < 0 || i >= end) return null;
    if (i === p || s.charCodeAt(i - 1) === 0x20) break;
    i += key.length;
  }
  const a = i + key.length;
  let e = a;
  while (e < end && s.charCodeAt(e) !== 0x20) e++;
  return e > a ? s.slice(a, e) : null;
}

function numField(s: string, p: number, end: number, key: string): number {
  const v = field(s, p, end, key);
  if (v === null) return NaN;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/**
 * trace-cmd's mark of events the ring buffer lost before the next record of that CPU:
 * `CPU:1 [1078 EVENTS DROPPED]`, or `CPU:1 [EVENTS DROPPED]` when the count was not kept.
 * The count, null without one, undefined for any other line.
 */
function droppedEvents(s: string, p: number, end: number): number | null | undefined {
  if (!startsWithAt(s, p, end, 'CPU:')) return undefined;
  const m = /^CPU:\d+ \[(?:(\d+) )?EVENTS DROPPED\]$/.exec(s.slice(p, end));
  if (m === null) return undefined;
  return m[1] === undefined ? null : Number(m[1]);
}

/** `version = 6`, `cpus=2`, `CPU 3 is empty`, `CPU0 data recorded at offset=0x…`, `    4096 bytes in size`. */
function isFileHeader(s: string, p: number, end: number): boolean {
  if (startsWithAt(s, p, end, 'version = ') || startsWithAt(s, p, end, 'cpus=')) return true;
  if (startsWithAt(s, p, end, 'CPU')) {
    const rest = s.slice(p, end);
    return /^CPU ?\d+ (is empty|data recorded at offset=0x[0-9a-f]+)$/.test(rest);
  }
  if (isDigit(s.charCodeAt(p))) return /^\d+ bytes in size$/.test(s.slice(p, end));
  return false;
}
