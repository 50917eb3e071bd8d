/**
 * The Trace Explorer's tree, one level at a time: syscalls → their entry functions → callees by
 * the trace's caller→callee edges (edges are per trace, not per syscall, so a callee's children
 * are everything it called anywhere); processes; events; the functions that took the most time.
 */
import type { TraceModel } from '../../ftrace/model';
import { syscallOf } from '../../ftrace/names';
import { byCount, figuresFor } from './lookup';
import { callsAndTime, formatCount, formatDuration, sourceLabel } from './format';

export type NodeKind = 'info' | 'group' | 'syscall' | 'function' | 'process' | 'event';

export interface TreeNode {
  kind: NodeKind;
  label: string;
  description?: string;
  tooltip?: string;
  /** Function or syscall name for 'function' / 'syscall' nodes; group id for 'group'. */
  name?: string;
  /** Function names from the syscall entry down to this node (cycle guard, and the node's identity). */
  path?: string[];
  syscall?: string;
  expandable: boolean;
}

export type NodeRef = Pick<TreeNode, 'kind' | 'name' | 'path' | 'syscall'>;

const TOP_FUNCTIONS = 200;
const CHILD_LIMIT = 500;

export function treeChildren(model: TraceModel, source: string, parent?: NodeRef): TreeNode[] {
  if (!parent) return rootNodes(model, source);
  if (parent.kind === 'group') return groupChildren(model, parent.name ?? '');
  if (parent.kind === 'syscall' && parent.name) return syscallEntries(model, parent.name);
  if (parent.kind === 'function' && parent.name) return callees(model, parent.name, parent.path ?? [parent.name], parent.syscall);
  return [];
}

function rootNodes(model: TraceModel, source: string): TreeNode[] {
  const what = Object.entries(model.content).filter(([, v]) => v).map(([k]) => k).join(', ') || 'nothing recognised';
  const out: TreeNode[] = [{
    kind: 'info', label: sourceLabel(source), expandable: false,
    description: `${model.format}${model.formatDetail ? ` (${model.formatDetail})` : ''} · ${what}`,
    tooltip: `${source}\n${formatCount(model.records)} records, ${formatCount(model.lines)} lines${model.skipped.count ? `, ${formatCount(model.skipped.count)} skipped` : ''}`,
  }];
  if (model.syscalls.size) out.push(group('syscalls', `Syscalls`, model.syscalls.size));
  if (model.processes.size) out.push(group('processes', 'Processes', model.processes.size));
  if (model.events.size) out.push(group('events', 'Events', model.events.size));
  if (model.functions.size) out.push(group('functions', 'Functions by time', model.functions.size));
  return out;
}

function group(name: string, label: string, n: number): TreeNode {
  return { kind: 'group', name, label, description: formatCount(n), expandable: n > 0 };
}

function groupChildren(model: TraceModel, name: string): TreeNode[] {
  if (name === 'syscalls') {
    const symbols = symbolsBySyscall(model);
    return [...model.syscalls].sort((a, b) => b[1].totalNs - a[1].totalNs || b[1].calls - a[1].calls || cmp(a[0], b[0])).map(([sys, s]) => ({
      kind: 'syscall' as const, name: sys, syscall: sys, label: sys,
      description: `${formatCount(s.calls)} call${s.calls === 1 ? '' : 's'}${s.timedCalls ? ` · ${formatDuration(s.totalNs)}` : ''}${s.functions.size ? ` · ${formatCount(s.functions.size)} functions` : ''}`,
      expandable: rootsAmong(model, symbols.get(sys) ?? []).length > 0,
    }));
  }
  if (name === 'processes') {
    return [...model.processes.values()].sort((a, b) => b.calls + b.events - a.calls - a.events || a.pid - b.pid).map((p) => ({
      kind: 'process' as const, expandable: false,
      label: p.pid < 0 ? `${p.comm || 'task not named'} (cpu${-1 - p.pid})` : `${p.comm || '?'}-${p.pid}`,
      description: [p.calls ? `${formatCount(p.calls)} calls` : '', p.events ? `${formatCount(p.events)} events` : ''].filter(Boolean).join(' · '),
    }));
  }
  if (name === 'events') {
    return byCount(model.events).map(([ev, n]) => ({ kind: 'event' as const, label: ev, description: formatCount(n), expandable: false }));
  }
  if (name === 'functions') {
    return [...model.functions].sort((a, b) => b[1].totalNs - a[1].totalNs || b[1].calls - a[1].calls || cmp(a[0], b[0]))
      .slice(0, TOP_FUNCTIONS).map(([fn, f]) => ({
        kind: 'function' as const, name: fn, path: [fn], label: fn, description: callsAndTime(f), expandable: (model.edges.get(fn)?.size ?? 0) > 0,
      }));
  }
  return [];
}

/** The functions a syscall enters by (`__x64_sys_connect`, …): its own symbols not called by another of them. */
export function syscallRoots(model: TraceModel, sys: string): string[] {
  return rootsAmong(model, [...model.functions.keys()].filter((n) => syscallOf(n) === sys));
}

/** One pass over the functions for the whole syscall list, instead of one per syscall. */
function symbolsBySyscall(model: TraceModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of model.functions.keys()) {
    const sys = syscallOf(n);
    if (sys === null) continue;
    const list = out.get(sys);
    if (list) list.push(n);
    else out.set(sys, [n]);
  }
  return out;
}

function rootsAmong(model: TraceModel, own: string[]): string[] {
  const ownSet = new Set(own);
  const inner = new Set<string>();
  for (const caller of own) for (const callee of model.edges.get(caller)?.keys() ?? []) if (ownSet.has(callee)) inner.add(callee);
  return own.filter((n) => !inner.has(n));
}

function syscallEntries(model: TraceModel, sys: string): TreeNode[] {
  return syscallRoots(model, sys).map((fn) => fnNode(model, fn, [fn], sys, undefined));
}

function callees(model: TraceModel, name: string, path: string[], sys: string | undefined): TreeNode[] {
  return byCount(model.edges.get(name)).slice(0, CHILD_LIMIT).map(([callee, n]) => fnNode(model, callee, [...path, callee], sys, n));
}

function fnNode(model: TraceModel, fn: string, path: string[], sys: string | undefined, here: number | undefined): TreeNode {
  const recursive = path.indexOf(fn) < path.length - 1;
  const fig = figuresFor(model, fn);
  const overall = fig ? callsAndTime(fig.stats) : '';
  return {
    kind: 'function', name: fn, path, syscall: sys, label: fn,
    description: here === undefined ? overall : `×${formatCount(here)}${overall ? ` · ${overall} in all` : ''}${recursive ? ' · recursion' : ''}`,
    expandable: !recursive && (model.edges.get(fn)?.size ?? 0) > 0,
  };
}

function cmp(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }
