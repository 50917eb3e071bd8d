/**
 * What the loaded trace says about each function of one source file: the CodeLens text, a heat
 * intensity (log-scaled against the hottest function of the trace, so files compare), and the
 * not-seen marks.
 */
import type { TraceModel } from '../../ftrace/model';
import type { KernelIndex } from '../../index/kernelIndex';
import { figuresFor } from './lookup';
import { callsAndTime, totalCalls } from './format';
import type { NotSeen } from './notSeen';

export interface FunctionMark {
  name: string;
  /** 0-based lines of the whole definition, and position of the name. */
  startLine: number;
  endLine: number;
  nameLine: number;
  nameCol: number;
  kind: 'traced' | 'notSeen';
  /** `1,204 calls · 3.1 ms` or `not seen: inlined or not called`. */
  title: string;
  calls: number;
  totalNs: number;
  /** 0..1, traced functions only. */
  intensity: number;
  notSeenCallers?: string[];
}

/** `scale` depends on the trace alone: callers asking for many files compute it once (heatScale). */
export function fileMarks(model: TraceModel, index: KernelIndex, file: string, notSeen: Map<string, NotSeen>, scale = heatScale(model)): FunctionMark[] {
  const out: FunctionMark[] = [];
  for (const def of index.functionsInFile(file)) {
    const base = {
      name: def.name, startLine: def.span.start.line, endLine: def.span.end.line,
      nameLine: def.nameSpan.start.line, nameCol: def.nameSpan.start.col,
    };
    const fig = figuresFor(model, def.name, def.syscall?.symbols);
    if (fig) {
      const f = fig.stats;
      out.push({ ...base, kind: 'traced', title: callsAndTime(f), calls: totalCalls(f), totalNs: f.totalNs, intensity: scale(f.totalNs, totalCalls(f)) });
      continue;
    }
    const ns = notSeen.get(def.name);
    if (ns) {
      out.push({ ...base, kind: 'notSeen', title: 'not seen: inlined or not called', calls: 0, totalNs: 0, intensity: 0, notSeenCallers: ns.callers });
    }
  }
  return out;
}

/** Maps a function's time (or calls, for traces without durations) to 0..1 on a log scale. */
export function heatScale(model: TraceModel): (ns: number, calls: number) => number {
  let maxNs = 0;
  let maxCalls = 0;
  for (const f of model.functions.values()) {
    if (f.totalNs > maxNs) maxNs = f.totalNs;
    const c = totalCalls(f);
    if (c > maxCalls) maxCalls = c;
  }
  const byTime = maxNs > 0;
  const max = Math.log1p(byTime ? maxNs : maxCalls);
  return (ns, calls) => {
    const v = Math.log1p(byTime ? ns : calls);
    return max > 0 ? Math.min(1, Math.max(0.05, v / max)) : 0.05;
  };
}
