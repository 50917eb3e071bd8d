/** Plain-JSON view of a TraceModel (times in µs, maps as objects, edges as lists). */
import type { TraceModel } from './model';

export interface EdgeJson { caller: string; callee: string; count: number }

export function modelToJson(m: TraceModel): Record<string, unknown> {
  const graph = m.content.functionGraph;
  // Null prototype: a traced function may be called `__proto__` or `constructor`.
  const functions: Record<string, unknown> = Object.create(null);
  const byTime = [...m.functions].sort((a, b) => b[1].totalNs - a[1].totalNs || b[1].calls - a[1].calls || cmp(a[0], b[0]));
  for (const [name, f] of byTime) {
    functions[name] = {
      calls: f.calls,
      exitOnlyCalls: f.exitOnlyCalls,
      timedCalls: f.timedCalls,
      totalUs: us(f.totalNs),
      // Self time needs the nesting only function_graph output gives.
      selfUs: graph ? us(f.selfNs) : null,
      ...(f.variants ? { variants: [...f.variants].sort() } : {}),
    };
  }
  const syscalls: Record<string, unknown> = Object.create(null);
  for (const [name, s] of [...m.syscalls].sort((a, b) => cmp(a[0], b[0]))) {
    syscalls[name] = {
      calls: s.calls,
      timedCalls: s.timedCalls,
      totalUs: us(s.totalNs),
      functions: Object.fromEntries([...s.functions].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))),
    };
  }
  return {
    format: m.format,
    formatDetail: m.formatDetail,
    content: m.content,
    lines: m.lines,
    records: m.records,
    unmatchedExits: m.unmatchedExits,
    unfinishedCalls: m.unfinishedCalls,
    mismatchedExits: m.mismatchedExits,
    lostEvents: m.lost,
    functions,
    edges: edgeList(m.edges),
    stackEdges: edgeList(m.stackEdges),
    syscalls,
    processes: [...m.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => ({
      pid: p.pid,
      comm: p.comm !== '' ? p.comm : p.pid < 0 ? `cpu${-1 - p.pid} (task not named)` : '',
      calls: p.calls,
      events: p.events,
    })),
    events: Object.fromEntries([...m.events].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))),
    skipped: m.skipped,
  };
}

export function edgeList(edges: TraceModel['edges']): EdgeJson[] {
  const out: EdgeJson[] = [];
  for (const [caller, callees] of edges) for (const [callee, count] of callees) out.push({ caller, callee, count });
  return out.sort((a, b) => b.count - a.count || cmp(a.caller, b.caller) || cmp(a.callee, b.callee));
}

function us(ns: number): number { return Math.round(ns) / 1000; }

function cmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }
