/**
 * Icicle data for the loaded trace. The model keeps caller→callee counts, not whole stacks, so a
 * callee's share under a caller is its time (or calls) split by edge counts, then scaled to the
 * caller's value on this path. Exact for call trees where a function has one caller; a fair
 * picture otherwise. Traces without function calls (the events fallback) show syscalls.
 */
import type { TraceModel } from '../../ftrace/model';
import { reverseEdges } from './lookup';
import { totalCalls } from './format';

export interface FlameNode {
  name: string;
  value: number;
  children: FlameNode[];
}

export interface FlameGraph {
  unit: 'ns' | 'calls';
  root: FlameNode;
  /** Frames dropped because the graph hit its size limit or they were too thin to see. */
  truncated: boolean;
}

export interface FlameOptions { maxDepth?: number; maxNodes?: number; minFraction?: number }

export function flameGraph(model: TraceModel, opts: FlameOptions = {}): FlameGraph {
  const maxDepth = opts.maxDepth ?? 48;
  const maxNodes = opts.maxNodes ?? 5000;
  const minFraction = opts.minFraction ?? 0.0005;
  const root: FlameNode = { name: 'all', value: 0, children: [] };
  let truncated = false;
  const rev = reverseEdges(model);
  const tops = [...model.functions.keys()].filter((n) => !rev.has(n));
  // Time only when the top frames have it: a trace cut off mid-syscall has entries without returns.
  const timed = tops.some((n) => model.functions.get(n)!.totalNs > 0);
  const unit = timed ? 'ns' : 'calls';
  const weight = (name: string): number => {
    const f = model.functions.get(name);
    return f ? (timed ? f.totalNs : totalCalls(f)) : 0;
  };
  if (model.functions.size === 0) {
    for (const [sys, s] of model.syscalls) {
      const value = s.timedCalls > 0 ? s.totalNs : s.calls;
      if (value > 0) root.children.push({ name: `syscall ${sys}`, value, children: [] });
    }
    const sysTimed = [...model.syscalls.values()].some((s) => s.timedCalls > 0);
    root.children.sort((a, b) => b.value - a.value);
    root.value = root.children.reduce((a, c) => a + c.value, 0);
    return { unit: sysTimed ? 'ns' : 'calls', root, truncated };
  }
  for (const name of tops) {
    const v = weight(name);
    if (v > 0) root.children.push({ name, value: v, children: [] });
  }
  root.value = root.children.reduce((a, c) => a + c.value, 0);
  const min = root.value * minFraction;
  let nodes = root.children.length;
  const expand = (node: FlameNode, path: Set<string>, depth: number): void => {
    if (depth >= maxDepth) { truncated ||= (model.edges.get(node.name)?.size ?? 0) > 0; return; }
    const callees = model.edges.get(node.name);
    if (!callees) return;
    const own = weight(node.name);
    if (own <= 0) return;
    const scale = node.value / own;
    for (const [callee, n] of callees) {
      if (path.has(callee)) continue;
      const f = model.functions.get(callee);
      if (!f) continue;
      const share = timed ? (totalCalls(f) > 0 ? f.totalNs * (n / totalCalls(f)) : 0) : n;
      const value = share * scale;
      if (value < min || value <= 0) { truncated = true; continue; }
      if (nodes >= maxNodes) { truncated = true; return; }
      nodes++;
      node.children.push({ name: callee, value, children: [] });
    }
    node.children.sort((a, b) => b.value - a.value);
    for (const c of node.children) {
      path.add(c.name);
      expand(c, path, depth + 1);
      path.delete(c.name);
    }
  };
  root.children.sort((a, b) => b.value - a.value);
  for (const c of root.children) expand(c, new Set([c.name]), 1);
  return { unit, root, truncated };
}
