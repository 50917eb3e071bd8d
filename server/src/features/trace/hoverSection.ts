/** The "In the loaded trace" section of a function hover: counts, durations, traced callers and callees. */
import type { Explanation } from '../explain';
import { byCount, figuresFor } from './lookup';
import { callsAndTime, formatCount, formatDuration, sourceLabel } from './format';
import type { LoadedTrace } from './store';
import type { NotSeen } from './notSeen';

const LISTED = 5;

export function traceHoverSection(
  t: LoadedTrace, e: Explanation, reverse: Map<string, Map<string, number>>, notSeen: Map<string, NotSeen>,
): string | undefined {
  const m = t.model;
  const fig = figuresFor(m, e.name, e.syscall?.symbols);
  const head = `**Trace** (${source(t)}):`;
  // A trace that lost events can only say what it saw.
  const lossy = m.lost.drops > 0;
  if (!fig) {
    const ns = notSeen.get(e.name);
    const caveat = lossy ? ' The recording lost events, so it may still have run.' : '';
    if (ns) return `${head} not seen: inlined or not called — its caller${ns.callers.length === 1 ? '' : 's'} ${ns.callers.slice(0, LISTED).map((c) => `\`${c}\``).join(', ')} ran in the trace but never called it.${caveat}`;
    if (m.content.functionGraph || m.content.functionTracer) return `${head} never called.${caveat}`;
    const sys = e.syscall && m.syscalls.get(e.syscall.name);
    if (sys) return `${head} syscall \`${e.syscall!.name}\`: ${formatCount(sys.calls)} call${sys.calls === 1 ? '' : 's'}${sys.timedCalls > 0 ? ` · ${formatDuration(sys.totalNs)}` : ''} (from syscall events).`;
    return undefined;
  }
  const f = fig.stats;
  const out = [`${head} ${callsAndTime(f)}`];
  const extra: string[] = [];
  if (f.exitOnlyCalls > 0) extra.push(`${formatCount(f.exitOnlyCalls)} seen only by their return`);
  if (f.timedCalls > 0 && m.content.functionGraph) extra.push(`self ${formatDuration(f.selfNs)}`);
  if (f.timedCalls > 0) extra.push(`avg ${formatDuration(f.totalNs / f.timedCalls)}`);
  if (extra.length) out[0] += ` (${extra.join(', ')})`;
  if (fig.names.some((n) => n !== e.name)) out.push(`as ${fig.names.map((n) => `\`${n}\``).join(', ')}`);
  if (f.variants) out.push(`clones: ${[...f.variants].sort().slice(0, LISTED).map((v) => `\`${v}\``).join(', ')}`);
  const callers = fig.names.flatMap((n) => byCount(reverse.get(n)));
  if (callers.length) out.push(`called from ${list(callers)}`);
  const callees = fig.names.flatMap((n) => byCount(m.edges.get(n)));
  if (callees.length) out.push(`calls ${list(callees)}`);
  if (lossy) out.push('counts are lower bounds: the recording lost events');
  return out.join('  \n');
}

function list(pairs: [string, number][]): string {
  const shown = pairs.slice(0, LISTED).map(([n, c]) => `\`${n}\` ×${formatCount(c)}`).join(', ');
  return pairs.length > LISTED ? `${shown}, … ${pairs.length - LISTED} more` : shown;
}

function source(t: LoadedTrace): string {
  return sourceLabel(t.source).replace(/[`*_[\]]/g, '\\$&');
}
