/**
 * Finding a source function's figures in a trace: traces name syscalls by their entry symbols
 * (`__x64_sys_connect`) while the tree defines `SYSCALL_DEFINE3(connect, …)`.
 */
import type { FunctionStats, TraceModel } from '../../ftrace/model';

export interface Figures {
  /** The trace's name(s) that matched. */
  names: string[];
  stats: FunctionStats;
}

/** Stats of `name` and of every syscall symbol it is known by, summed; undefined if never seen. */
export function figuresFor(model: TraceModel, name: string, symbols: readonly string[] = []): Figures | undefined {
  const names: string[] = [];
  const sum: FunctionStats = { calls: 0, exitOnlyCalls: 0, timedCalls: 0, totalNs: 0, selfNs: 0, variants: null };
  for (const n of new Set([name, ...symbols])) {
    const f = model.functions.get(n);
    if (!f) continue;
    names.push(n);
    sum.calls += f.calls;
    sum.exitOnlyCalls += f.exitOnlyCalls;
    sum.timedCalls += f.timedCalls;
    sum.totalNs += f.totalNs;
    sum.selfNs += f.selfNs;
    if (f.variants) for (const v of f.variants) (sum.variants ??= new Set()).add(v);
  }
  return names.length > 0 ? { names, stats: sum } : undefined;
}

/** callee → caller → count, the reverse of model.edges. */
export function reverseEdges(model: TraceModel): Map<string, Map<string, number>> {
  const rev = new Map<string, Map<string, number>>();
  for (const [caller, callees] of model.edges) {
    for (const [callee, n] of callees) {
      let m = rev.get(callee);
      if (!m) rev.set(callee, (m = new Map()));
      m.set(caller, (m.get(caller) ?? 0) + n);
    }
  }
  return rev;
}

/** Entries of a count map, largest first, ties by name. */
export function byCount(m: Map<string, number> | undefined): [string, number][] {
  return m ? [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : [];
}
