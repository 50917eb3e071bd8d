/**
 * The compact form facts travel in from a parser worker to the index (and that `setFile` stores).
 *
 * Structured-cloning millions of small objects (a call site was four strings and two objects) cost
 * the main process more than a worker spends parsing, and the workers then waited for it. Call
 * sites and function spans travel as typed arrays, with the names a file's calls use listed once.
 */
import type { CallSite, FileFacts, FunctionDef } from './model';

/** A function definition without its spans (they are in `fnSpans`) and file (the file's). */
export type WireFunction = Omit<FunctionDef, 'span' | 'nameSpan' | 'file'>;

export interface WireFacts extends Omit<FileFacts, 'calls' | 'functions'> {
  functions: WireFunction[];
  /** Per function: definition start line, col, end line, col, then the same for the name token. */
  fnSpans: Int32Array;
  /** Names the calls refer to, each once. */
  callNames: string[];
  /** Per call: callee, caller (indexes into callNames), line, col. */
  calls: Int32Array;
}

export const SPAN_INTS = 8;
export const CALL_INTS = 4;

export function packFacts(f: FileFacts): WireFacts {
  const fnSpans = new Int32Array(f.functions.length * SPAN_INTS);
  const functions: WireFunction[] = f.functions.map((fn, i) => {
    const o = i * SPAN_INTS;
    fnSpans[o] = fn.span.start.line; fnSpans[o + 1] = fn.span.start.col; fnSpans[o + 2] = fn.span.end.line; fnSpans[o + 3] = fn.span.end.col;
    fnSpans[o + 4] = fn.nameSpan.start.line; fnSpans[o + 5] = fn.nameSpan.start.col; fnSpans[o + 6] = fn.nameSpan.end.line; fnSpans[o + 7] = fn.nameSpan.end.col;
    const w: WireFunction = { name: fn.name, signature: fn.signature, returnType: fn.returnType, params: fn.params, qualifiers: fn.qualifiers };
    if (fn.exported) w.exported = fn.exported;
    if (fn.syscall) w.syscall = fn.syscall;
    return w;
  });
  const { calls: callNames, packed } = packCalls(f.calls);
  return { ...f, functions, fnSpans, callNames, calls: packed };
}

function packCalls(calls: readonly CallSite[]): { calls: string[]; packed: Int32Array } {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const id = (s: string) => {
    let k = ids.get(s);
    if (k === undefined) { k = names.length; names.push(s); ids.set(s, k); }
    return k;
  };
  const packed = new Int32Array(calls.length * CALL_INTS);
  calls.forEach((c, i) => {
    const o = i * CALL_INTS;
    packed[o] = id(c.callee);
    packed[o + 1] = id(c.caller);
    packed[o + 2] = c.pos.line;
    packed[o + 3] = c.pos.col;
  });
  return { calls: names, packed };
}
