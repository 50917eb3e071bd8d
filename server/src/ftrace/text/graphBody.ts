/**
 * The function_graph part after the duration column, identical in tracefs output and in
 * `trace-cmd report`: indentation (2 spaces per depth) then `name() {`, `name();`,
 * `} /* name *\/` or a `/* event: … *\/` comment. Newer kernels may add arguments inside the
 * parentheses (funcgraph-args) and `/* = retval *\/` comments (funcgraph-retval).
 */
import { isNameChar, scanSymbolEnd, skipSpaces, trimEnd } from './scan';
import { MAX_DEPTH } from '../model';

export const enum GraphKind { Entry, Leaf, Exit, Comment, Bad }

/** Singleton result (the hot path allocates nothing). Ranges index the parsed string. */
export const body = {
  kind: GraphKind.Bad,
  depth: 0,
  nameStart: 0, nameEnd: 0,
  /** Exit tail name or comment event name; tailStart === tailEnd when absent. */
  tailStart: 0, tailEnd: 0,
  reason: '',
};

/**
 * Parses from `p` (just after the column separator) with `base` spaces that precede depth 0.
 */
export function parseGraphBody(s: string, p: number, end: number, base: number): GraphKind {
  end = trimEnd(s, p, end);
  const q = skipSpaces(s, p, end);
  const indent = q - p - base;
  body.depth = indent > 0 ? indent >> 1 : 0;
  body.tailStart = body.tailEnd = 0;
  if (body.depth >= MAX_DEPTH) return bad(`call depth ${body.depth} exceeds ${MAX_DEPTH}`);
  if (q >= end) return bad('no function after the duration column');
  const c = s.charCodeAt(q);
  if (c === 0x7d /* } */) {
    body.kind = GraphKind.Exit;
    scanTail(s, q + 1, end);
    return GraphKind.Exit;
  }
  if (c === 0x2f /* / */ && q + 1 < end && s.charCodeAt(q + 1) === 0x2a /* * */) {
    body.kind = GraphKind.Comment;
    const a = skipSpaces(s, q + 2, end);
    let b = a;
    while (b < end && isNameChar(s.charCodeAt(b))) b++;
    // `/* sched_switch: … */` is an event; `/* irq=17, … */` is trace_printk text.
    if (b > a && b < end && s.charCodeAt(b) === 0x3a /* : */) { body.tailStart = a; body.tailEnd = b; }
    return GraphKind.Comment;
  }
  const ne = scanSymbolEnd(s, q, end);
  if (ne === q || ne >= end || s.charCodeAt(ne) !== 0x28 /* ( */) return bad('not a function_graph call');
  body.nameStart = q;
  body.nameEnd = ne;
  const last = s.charCodeAt(end - 1);
  if (last === 0x7b /* { */) { body.kind = GraphKind.Entry; return GraphKind.Entry; }
  const semi = s.indexOf(');', ne);
  if (semi >= 0 && semi < end) { body.kind = GraphKind.Leaf; return GraphKind.Leaf; }
  return bad('call without `{` or `;`');
}

function scanTail(s: string, p: number, end: number): void {
  p = skipSpaces(s, p, end);
  if (p + 1 >= end || s.charCodeAt(p) !== 0x2f || s.charCodeAt(p + 1) !== 0x2a) return;
  const a = skipSpaces(s, p + 2, end);
  const b = scanSymbolEnd(s, a, end);
  // `/* = 0x0 */` (funcgraph-retval without a tail name) names nothing.
  if (b > a) { body.tailStart = a; body.tailEnd = b; }
}

function bad(reason: string): GraphKind {
  body.kind = GraphKind.Bad;
  body.reason = reason;
  return GraphKind.Bad;
}
