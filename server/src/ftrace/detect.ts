/**
 * Which text format a trace is, from its first lines. All formats share the task-line shape,
 * so the decision rests on what only one of them prints (file headers, `funcgraph_entry:`
 * event names, `N)` graph columns, `task:`/`Event:` profile blocks).
 */
import type { TraceFormat } from './model';

export const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

export interface Detected { format: Exclude<TraceFormat, 'trace.dat'>; detail: string }

export class TraceFormatError extends Error {
  constructor(readonly line: number, message: string) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

const SAMPLE_LINES = 400;
const TASK = /^\s*\S.*?-\d+\s+\[\d{1,6}\]\s+(?:\S+\s+)?\d+\.\d+:\s+(\S+)/;
const GRAPH = /^\s*(?:\d+\.\d+\s+\|\s+)?\d+\)\s/;

/** A header line only `trace-cmd report` prints (its first line, unless the report was cut). */
export const REPORT_HEADER = /^(version = \d+|cpus=\d+|CPU \d+ is empty)\s*$/;

/**
 * The format of the text bytes[0, end), from its first lines; throws TraceFormatError naming the
 * first non-blank line when nothing looks like ftrace text. Only the lines read are decoded: a
 * large report's head is 4 MiB, and the answer is mostly in its first line.
 */
export function detectTextBytes(bytes: Buffer, end: number): Detected {
  let tracer = '';
  let firstLine = 0;
  let n = 0;
  let tracefs = false;
  let events = false;
  let lineNo = 0;
  for (let p = 0; p <= end;) {
    let nl = bytes.indexOf(0x0a, p);
    if (nl < 0 || nl > end) nl = end;
    const raw = bytes.toString('latin1', p, nl);
    p = nl + 1;
    lineNo++;
    if (n >= SAMPLE_LINES) break;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    n++;
    if (firstLine === 0) firstLine = lineNo;
    if (REPORT_HEADER.test(line)) return { format: 'trace-cmd-report', detail: '' };
    if (/^task: \S/.test(line) || /^\s+Event: \S+.* \(\d+\) Total: \d+/.test(line)) return { format: 'trace-cmd-profile', detail: '' };
    const t = /^# tracer: (\S+)/.exec(line);
    if (t) { tracer = t[1]; tracefs = true; continue; }
    const m = TASK.exec(line);
    if (m) {
      if (/^(funcgraph_entry|funcgraph_exit|function):$/.test(m[1])) return { format: 'trace-cmd-report', detail: '' };
      if (/\s<-\S/.test(line) || m[1] === '<stack') tracefs = true;
      else events = true;
      continue;
    }
    if (GRAPH.test(line)) tracefs = true;
  }
  if (tracefs || events) return { format: 'tracefs', detail: tracer };
  if (firstLine === 0) throw new TraceFormatError(1, 'empty trace: no non-blank line');
  throw new TraceFormatError(firstLine, 'not ftrace text (no trace-cmd report header, tracefs line, graph line or profile block in the first lines)');
}
