/** Turns helper events into the values worth showing, whatever program produced them. */
import { decodeGenerated, type GeneratedProbe } from './generate';
import type { HelperEvent } from './protocol';

export function eventValues(ev: HelperEvent, gen?: GeneratedProbe): Record<string, unknown> {
  if (gen && (ev.kind === 'generated' || ev.kind === 'generated_exit')) return decodeGenerated(gen, ev);
  if (ev.fields) return ev.fields;
  const out: Record<string, unknown> = {};
  if (ev.args) ev.args.forEach((a, i) => { out[`arg${i}`] = a; });
  if (ev.ret !== undefined) out.ret = ev.ret;
  if (ev.lat_ns !== undefined) out.lat_ns = ev.lat_ns;
  return out;
}

function humanValue(v: unknown): string {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.addr === 'string' && o.port !== undefined) return `${o.addr}:${o.port}`;
    return JSON.stringify(v);
  }
  return String(v);
}

/** One line per event: `curl[1234] fd=3 uservaddr=127.0.0.1:80 addrlen=16`. */
export function eventLine(ev: HelperEvent, values: Record<string, unknown>): string {
  return `${ev.comm}[${ev.pid}] ${Object.entries(values).map(([k, v]) => `${k}=${humanValue(v)}`).join(' ')}`.trimEnd();
}
