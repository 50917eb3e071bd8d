/**
 * `trace-cmd profile` / `trace-cmd report --profile` output: per task `task: comm-pid`, then
 * `Event: func: name() (count) Total: ns Avg: … Max: … Min:…` for traced functions and
 * `Event: sched_switch:R (count) Total: …` for events, each optionally followed by an indented
 * ASCII call-stack tree (`|`, `+ name (0xaddr)`, `55% (1) time:…`) that carries no totals.
 */
import { ModelBuilder } from '../model';
import { isDigit, scanDecimal, scanned, skipSpaces, startsWithAt, trimEnd } from './scan';

export class ProfileLineParser {
  private pid = -1;
  private inEvent = false;

  constructor(private readonly b: ModelBuilder) {}

  line(s: string, start: number, end: number, lineNo: number): void {
    end = trimEnd(s, start, end);
    const p = skipSpaces(s, start, end);
    if (p >= end) return;
    if (startsWithAt(s, p, end, 'task: ')) { this.task(s, p + 6, end, lineNo); return; }
    if (startsWithAt(s, p, end, 'Event: ')) { this.event(s, p + 7, end, lineNo); return; }
    if (this.inEvent && p > start) return; // stack tree under the current Event
    if (s.charCodeAt(p) === 0x23 /* # */ || startsWithAt(s, p, end, '[..]')) return;
    this.b.skip(lineNo, 'not trace-cmd profile output', s.slice(start, end));
  }

  private task(s: string, p: number, end: number, lineNo: number): void {
    let b = end;
    while (b > p && isDigit(s.charCodeAt(b - 1))) b--;
    if (b === end || b <= p + 1 || s.charCodeAt(b - 1) !== 0x2d) { this.b.skip(lineNo, '`task:` without comm-pid', s.slice(p, end)); return; }
    this.pid = Number(s.slice(b, end));
    this.b.task(this.pid, s.slice(p, b - 1));
    this.inEvent = false;
  }

  private event(s: string, p: number, end: number, lineNo: number): void {
    this.inEvent = false;
    const open = s.indexOf(' (', p);
    if (open < 0 || open >= end) { this.b.skip(lineNo, '`Event:` without (count)', s.slice(p, end)); return; }
    if (!scanDecimal(s, open + 2, end) || s.charCodeAt(scanned.pos) !== 0x29) { this.b.skip(lineNo, 'bad (count)', s.slice(p, end)); return; }
    const count = scanned.value;
    // `page_fault_user:0x… (1)` lines carry a count but no Total.
    const t = s.indexOf('Total: ', scanned.pos);
    const total = t >= 0 && t < end && scanDecimal(s, t + 7, end) ? scanned.value : NaN;
    this.inEvent = true;
    if (startsWithAt(s, p, end, 'func: ')) {
      const a = p + 6;
      let e = s.indexOf('()', a);
      if (e < 0 || e > open) e = open;
      this.b.profiledFunction(this.pid, s.slice(a, e), count, total);
      return;
    }
    // `sched_switch:R`, `sys_enter:35`, `page_fault_user:0x…`: the event name before the qualifier.
    const colon = s.indexOf(':', p);
    const e = colon >= 0 && colon < open ? colon : open;
    this.b.event(this.pid, s.slice(p, e), NaN, count);
  }
}
