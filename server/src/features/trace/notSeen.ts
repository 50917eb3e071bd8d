/**
 * "Not seen: inlined or not called": source functions called (lexically) by a function the
 * trace shows running, which never appear in the trace themselves. Only function_graph traces
 * say this reliably, and only callers whose own children were traced count: a caller seen
 * merely as a leaf may sit at max_graph_depth, where nothing under it is recorded.
 */
import type { TraceModel } from '../../ftrace/model';
import type { KernelIndex } from '../../index/kernelIndex';

export interface NotSeen {
  /** Traced callers that contain a call to it, sorted. */
  callers: string[];
}

export function notSeenFunctions(model: TraceModel, index: KernelIndex): Map<string, NotSeen> {
  const out = new Map<string, NotSeen>();
  if (!model.content.functionGraph) return out;
  const callees = new Map<string, Set<string>>();
  for (const [caller, children] of model.edges) {
    if (children.size === 0) continue;
    for (const def of index.resolve(caller)) {
      for (const site of index.calleesOf(def)) {
        const name = site.callee;
        if (model.functions.has(name)) continue;
        let set = callees.get(name);
        if (!set) callees.set(name, (set = new Set()));
        set.add(caller);
      }
    }
  }
  for (const [name, callers] of callees) {
    // Macros and function-like names with no definition in the tree are not functions to mark.
    if (!index.resolves(name)) continue;
    out.set(name, { callers: [...callers].sort() });
  }
  return out;
}
