/**
 * Lines of tracefs `trace` / `trace_pipe` (and `perf ftrace`, which prints trace_pipe as is),
 * for both tracers and for events:
 *   graph:    `[abstime |] cpu) [comm-pid |] [lat |] [marker duration] |  indent body`
 *             or, with nofuncgraph-duration, `cpu) indent body`
 *   banner:   ` 0)  platfor-3210  =>  vmstat-2854  ` between `-----` rules
 *   function: `comm-pid [cpu] flags ts: name <-parent`
 *   events, `<stack trace>` followed by ` => frame` lines, `#` headers.
 */
import { ModelBuilder } from '../model';
import { body, GraphKind, parseGraphBody } from './graphBody';
import { hdr, headerTimestampNs, parseTaskHeader } from './taskHeader';
import { isDigit, isNameChar, scanDuration, scanned, scanSymbolEnd, skipSpaces, startsWithAt, trimEnd } from './scan';

export class TracefsLineParser {
  tracer = '';
  private inStack = false;

  constructor(private readonly b: ModelBuilder) {}

  line(s: string, start: number, end: number, lineNo: number): void {
    end = trimEnd(s, start, end);
    const p = skipSpaces(s, start, end);
    if (p >= end) return;
    const c = s.charCodeAt(p);
    if (c === 0x23 /* # */) { this.header(s, p, end); return; }
    if (c === 0x3d /* = */ && p + 1 < end && s.charCodeAt(p + 1) === 0x3e /* > */) {
      this.frame(s, p + 2, end, lineNo);
      return;
    }
    this.inStack = false;
    if (c === 0x2d /* - */ && startsWithAt(s, p, end, '-----')) {
      let q = p;
      while (q < end && s.charCodeAt(q) === 0x2d) q++;
      if (q < end) this.b.skip(lineNo, 'separator line with text', s.slice(start, end));
      return;
    }
    if (isDigit(c) && this.graph(s, p, end, lineNo)) return;
    if (parseTaskHeader(s, p, end)) { this.taskLine(s, end, lineNo); return; }
    if (c === 0x5b /* [ */ && startsWithAt(s, p, end, '[...]')) return;
    if (c === 0x43 /* C */ && startsWithAt(s, p, end, 'CPU:')) {
      // The kernel's mark of events the ring buffer lost: `CPU:1 [LOST 1078 EVENTS]`.
      const m = /^CPU:\d+ \[LOST (\d+) EVENTS\]$/.exec(s.slice(p, end));
      if (m !== null) { this.b.lostEvents(Number(m[1])); return; }
    }
    this.b.skip(lineNo, 'not a trace line', s.slice(start, end));
  }

  private header(s: string, p: number, end: number): void {
    if (startsWithAt(s, p, end, '# tracer: ')) this.tracer = s.slice(p + 10, end);
  }

  private frame(s: string, p: number, end: number, lineNo: number): void {
    if (!this.inStack) { this.b.skip(lineNo, 'stack frame outside a <stack trace>', s.slice(p - 2, end)); return; }
    p = skipSpaces(s, p, end);
    const e = scanSymbolEnd(s, p, end);
    // `=> 0x7ea424c4`: a user-space address ends what the kernel symbols can tell.
    if (e === p || startsWithAt(s, p, e, '0x')) { this.b.stackFrame(null); return; }
    this.b.stackFrame(s.slice(p, e));
  }

  /** Returns false when the line is not graph output (then it may still be a task line). */
  private graph(s: string, p: number, end: number, lineNo: number): boolean {
    let q = p;
    while (q < end && isDigit(s.charCodeAt(q))) q++;
    if (q < end && s.charCodeAt(q) === 0x2e /* abstime */) {
      q++;
      while (q < end && isDigit(s.charCodeAt(q))) q++;
      q = skipSpaces(s, q, end);
      if (q >= end || s.charCodeAt(q) !== 0x7c) return false;
      q = skipSpaces(s, q + 1, end);
      const d = q;
      while (q < end && isDigit(s.charCodeAt(q))) q++;
      if (q === d) return false;
      return this.afterCpu(s, d, q, end, lineNo);
    }
    return this.afterCpu(s, p, q, end, lineNo);
  }

  private afterCpu(s: string, cpuStart: number, q: number, end: number, lineNo: number): boolean {
    if (q >= end || s.charCodeAt(q) !== 0x29 /* ) */) return false;
    let cpu = 0;
    for (let i = cpuStart; i < q; i++) cpu = cpu * 10 + s.charCodeAt(i) - 0x30;
    q++;
    const arrow = s.indexOf('=>', q);
    const anyBar = s.indexOf('|', q);
    if (arrow >= 0 && arrow < end && (anyBar < 0 || anyBar >= end)) return this.banner(s, cpu, q, arrow, end, lineNo);
    let pid = -2;
    let r = skipSpaces(s, q, end);
    if (r < end && !scanDuration(s, r, end) && s.charCodeAt(r) !== 0x7c) {
      // Either a `comm-pid |` proc column or, without the duration column, the body itself.
      const bar = s.indexOf(' |', r);
      if (bar >= 0 && bar < end && (pid = procPid(s, r, trimEnd(s, r, bar))) >= 0) {
        pid = this.b.taskKey(pid, cpu);
        this.b.task(pid, s.slice(r, procDash));
        r = skipSpaces(s, bar + 2, end);
        // latency-format flags column (`d..1 |`), as perf ftrace --graph-verbose prints it.
        if (r < end && !scanDuration(s, r, end) && s.charCodeAt(r) !== 0x7c) {
          const bar2 = s.indexOf(' |', r);
          if (bar2 < 0 || bar2 >= end || bar2 - r > 8) { this.b.skip(lineNo, 'unrecognised column after task', s.slice(cpuStart, end)); return true; }
          r = skipSpaces(s, bar2 + 2, end);
        }
      } else {
        // nofuncgraph-duration: ` 1)   getname() {`, one space after `)` precedes depth 0.
        this.body(s, q, end, 1, pid < 0 ? this.b.cpuContext(cpu) : pid, NaN, lineNo);
        return true;
      }
    }
    let dur = NaN;
    if (r < end && s.charCodeAt(r) !== 0x7c) {
      if (!scanDuration(s, r, end)) { this.b.skip(lineNo, 'bad duration column', s.slice(cpuStart, end)); return true; }
      dur = scanned.value;
      r = skipSpaces(s, scanned.pos, end);
    }
    if (r >= end || s.charCodeAt(r) !== 0x7c) { this.b.skip(lineNo, 'missing `|` after the duration', s.slice(cpuStart, end)); return true; }
    this.body(s, r + 1, end, 2, pid >= 0 ? pid : this.b.cpuContext(cpu), dur, lineNo);
    return true;
  }

  private body(s: string, p: number, end: number, base: number, ctx: number, dur: number, lineNo: number): void {
    switch (parseGraphBody(s, p, end, base)) {
      case GraphKind.Entry: this.b.enter(ctx, body.depth, s.slice(body.nameStart, body.nameEnd)); break;
      case GraphKind.Leaf: this.b.leaf(ctx, body.depth, s.slice(body.nameStart, body.nameEnd), dur); break;
      case GraphKind.Exit:
        this.b.exit(ctx, body.depth, dur, body.tailEnd > body.tailStart ? s.slice(body.tailStart, body.tailEnd) : null);
        break;
      case GraphKind.Comment:
        this.b.event(ctx, body.tailEnd > body.tailStart ? s.slice(body.tailStart, body.tailEnd) : 'trace_printk', NaN);
        break;
      default: this.b.skip(lineNo, body.reason, s.slice(p, end));
    }
  }

  private banner(s: string, cpu: number, q: number, arrow: number, end: number, lineNo: number): boolean {
    const a = skipSpaces(s, q, arrow);
    const ae = trimEnd(s, a, arrow);
    const n = skipSpaces(s, arrow + 2, end);
    const prev = procPid(s, a, ae);
    const prevComm = s.slice(a, procDash);
    const next = procPid(s, n, end);
    if (prev < 0 || next < 0) { this.b.skip(lineNo, 'context-switch banner without comm-pid', s.slice(q, end)); return true; }
    this.b.contextSwitch(cpu, prevComm, prev, s.slice(n, procDash), next);
    return true;
  }

  private taskLine(s: string, lineEnd: number, lineNo: number): void {
    const p = hdr.payload;
    const pid = this.b.taskKey(hdr.pid, hdr.cpu);
    if (!this.b.hasTask(pid)) this.b.task(pid, s.slice(skipSpaces(s, hdr.commStart, hdr.commEnd), hdr.commEnd));
    if (startsWithAt(s, p, lineEnd, '<stack trace>')) { this.b.beginStack(); this.inStack = true; return; }
    if (startsWithAt(s, p, lineEnd, '<user stack trace>')) { this.b.beginStack(); this.inStack = false; return; }
    const ne = scanSymbolEnd(s, p, lineEnd);
    if (ne > p && startsWithAt(s, ne, lineEnd, ' <-')) {
      const pp = ne + 3;
      const pe = scanSymbolEnd(s, pp, lineEnd);
      this.b.functionHit(pid, s.slice(p, ne), pe > pp ? s.slice(pp, pe) : null);
      return;
    }
    // Syscall tracepoints print as `sys_read(fd: 0x3, …)` and `sys_read -> 0x1`.
    if (ne > p + 4 && startsWithAt(s, p, ne, 'sys_')) {
      if (s.charCodeAt(ne) === 0x28 /* ( */) { this.b.event(pid, 'sys_enter_' + s.slice(p + 4, ne), headerTimestampNs(s)); return; }
      if (startsWithAt(s, ne, lineEnd, ' -> ')) { this.b.event(pid, 'sys_exit_' + s.slice(p + 4, ne), headerTimestampNs(s)); return; }
    }
    if (ne > p && ne < lineEnd && s.charCodeAt(ne) === 0x3a) {
      // `name+0x28/0x6c: text` is trace_printk output named after its caller, not an event.
      let plain = true;
      for (let i = p; i < ne; i++) if (!isNameChar(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2e) { plain = false; break; }
      this.b.event(pid, plain ? s.slice(p, ne) : 'trace_printk', headerTimestampNs(s));
      return;
    }
    this.b.skip(lineNo, 'task line without a function or event', s.slice(hdr.commStart, lineEnd));
  }
}

let procDash = 0;

/** `comm-pid` in s[a, e): the pid, and the dash position in `procDash`; -1 when not that shape. */
function procPid(s: string, a: number, e: number): number {
  e = trimEnd(s, a, e);
  let b = e;
  while (b > a && isDigit(s.charCodeAt(b - 1))) b--;
  if (b === e || b <= a + 1 || s.charCodeAt(b - 1) !== 0x2d || e - b > 10) return -1;
  let pid = 0;
  for (let i = b; i < e; i++) pid = pid * 10 + s.charCodeAt(i) - 0x30;
  procDash = b - 1;
  return pid;
}
