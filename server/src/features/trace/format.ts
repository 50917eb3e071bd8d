/** How trace figures read in hovers, lenses and the explorer: `1,204 calls · 3.1 ms`. */
import type { FunctionStats } from '../../ftrace/model';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Nanoseconds with a unit that keeps two or three significant digits. */
export function formatDuration(ns: number): string {
  if (!(ns >= 0)) return '';
  if (ns < 1_000) return `${trim(ns)} ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)} µs`;
  if (ns < 1_000_000_000) return `${trim(ns / 1_000_000)} ms`;
  return `${trim(ns / 1_000_000_000)} s`;
}

function trim(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(2).replace(/\.?0+$/, '');
}

/** Every call, entries and exit-only returns alike. */
export function totalCalls(f: FunctionStats): number {
  return f.calls + f.exitOnlyCalls;
}

/** `1,204 calls · 3.1 ms`; the time only when some call carried a duration. */
export function callsAndTime(f: FunctionStats): string {
  const n = totalCalls(f);
  const calls = `${formatCount(n)} call${n === 1 ? '' : 's'}`;
  return f.timedCalls > 0 ? `${calls} · ${formatDuration(f.totalNs)}` : calls;
}

/** How a loaded trace is named: the command it recorded, or the file's base name. */
export function sourceLabel(source: string): string {
  return source.startsWith('command: ') ? source : source.slice(source.lastIndexOf('/') + 1);
}
