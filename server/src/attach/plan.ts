/**
 * What the editor can attach where, and how to explain a refusal: tracepoint lens targets from
 * the index, tracepoints worth offering instead of a function probe, and the helper's per-type
 * refusals turned into reasons that name the kernel option behind them. Pure: no I/O.
 */
import type { KernelIndex } from '../index/kernelIndex';
import { tracepointBaseName } from '../index/kernelIndex';
import type { FunctionDef, Position } from '../index/model';
import type { KernelConfig } from './kernelConfig';
import type { ErrorBody } from './protocol';

export interface TracepointLens { pos: Position; target: string }

/** `system:name` for a tracepoint the index knows with its TRACE_SYSTEM, else undefined. */
function tracepointTarget(index: KernelIndex, name: string): string | undefined {
  const def = index.tracepoint(tracepointBaseName(name)).find((d) => d.system && d.kind !== 'DECLARE_EVENT_CLASS');
  return def ? `${def.system}:${def.name}` : undefined;
}

/** Tracepoint definitions (TRACE_EVENT, DEFINE_EVENT, …) and `trace_*()` calls in one file. */
export function tracepointLenses(index: KernelIndex, file: string): TracepointLens[] {
  const facts = index.fileFacts(file);
  if (!facts) return [];
  const out: TracepointLens[] = [];
  for (const d of facts.tracepoints) {
    // an event class is a template: nothing fires under its own name
    if (d.kind === 'DECLARE_EVENT_CLASS' || !d.system) continue;
    out.push({ pos: d.pos, target: `${d.system}:${d.name}` });
  }
  for (const c of facts.tracepointCalls) {
    // trace_foo_enabled() only tests the static key; its trace_foo() call gets the lens
    if (c.name.endsWith('_enabled')) continue;
    const target = tracepointTarget(index, c.name);
    if (target) out.push({ pos: c.pos, target });
  }
  return out;
}

/** The function a request names, preferring the definition at file:line when several share the name. */
export function functionAt(index: KernelIndex, name: string, file?: string, line?: number): FunctionDef | undefined {
  const defs = index.resolve(name);
  if (file !== undefined) {
    const inFile = defs.filter((d) => d.file === file);
    const here = line === undefined ? undefined : inFile.find((d) => d.span.start.line <= line && line <= d.span.end.line);
    if (here ?? inFile[0]) return here ?? inFile[0];
  }
  return defs[0];
}

/**
 * Tracepoints that see what a function probe would: a syscall's own enter/exit events, then the
 * tracepoints the function's body fires. Ordered by how close they are to the function.
 */
export function tracepointOffers(index: KernelIndex, fn: FunctionDef | undefined, syscallName?: string): string[] {
  const out: string[] = [];
  const sys = fn?.syscall && !fn.syscall.compat ? fn.syscall.name : syscallName;
  if (sys && /^\w+$/.test(sys)) out.push(`syscalls:sys_enter_${sys}`, `syscalls:sys_exit_${sys}`);
  if (fn) for (const c of index.tracepointCallsIn(fn)) {
    const t = c.name.endsWith('_enabled') ? undefined : tracepointTarget(index, c.name);
    if (t) out.push(t);
  }
  return [...new Set(out)];
}

export interface Refusal {
  code: string;
  message: string;
  /** One line per attach type that was tried and why it failed. */
  reasons: string[];
  /** Tracepoints to try instead, best first. */
  alternatives: string[];
  /** The helper's own per-type codes (ENOKPROBES, EFENTRY_REFUSED, ENOBTF, …). */
  tried: NonNullable<ErrorBody['tried']>;
}

const CONFIG_FOR: Record<string, string> = { ENOKPROBES: 'CONFIG_KPROBES' };

/** Merges the helper's refusal with the kernel config and the index's own tracepoint offers. */
export function explainRefusal(err: ErrorBody, config: KernelConfig | null, offers: string[]): Refusal {
  const tried = err.tried?.length ? err.tried : [{ type: undefined, code: err.code, message: err.message }];
  const reasons = tried.map((t) => {
    const option = CONFIG_FOR[t.code];
    const evidence = option && config && config.get(option) === undefined ? ` (${config.source}: # ${option} is not set)` : '';
    return `${t.type ? `${t.type}: ` : ''}${t.message}${evidence}`;
  });
  const alternatives = [...new Set([...offers, ...(err.alternatives ?? [])])];
  const noKprobes = tried.some((t) => t.code === 'ENOKPROBES') && config?.get('CONFIG_KPROBES') === undefined;
  const kprobes = `CONFIG_KPROBES is not set (${config ? config.source : 'no kprobe PMU in /sys/bus/event_source/devices'})`;
  const fentryRefused = tried.some((t) => t.code === 'EFENTRY_REFUSED');
  const lead = noKprobes && fentryRefused
    ? `This kernel refuses fentry (BPF trampolines need the ftrace hooks it refuses) and has no kprobes: ${kprobes}.`
    : noKprobes
      ? `No kprobes on this kernel: ${kprobes}, so kprobe, kretprobe and ksyscall cannot attach.`
      : err.message;
  const message = `${lead}${alternatives.length ? `${/[.!?]$/.test(lead) ? '' : '.'} Try the tracepoint ${alternatives[0]} instead.` : ''}`;
  return { code: err.code, message, reasons, alternatives, tried: err.tried ?? [] };
}
