/**
 * The `comm-pid [cpu] flags timestamp:` prefix shared by tracefs event/function lines and
 * `trace-cmd report`: `  <idle>-0     [000] d... 228.989960: `, `sleep-89142 [001] ...1.
 * 162573.215752: ` (-l latency flags), `ls-4734  [002] 106439.675591123:` (-t ns).
 * Comms may hold spaces, dashes and brackets; the pid is the digits before the `[cpu]`.
 */
import { isDigit, skipSpaces } from './scan';

/** Singleton result; positions index the parsed string. */
export const hdr = { commStart: 0, commEnd: 0, pid: 0, cpu: 0, tsStart: 0, tsEnd: 0, payload: 0 };

/** True when s[p, end) starts with a task header; fills `hdr`. */
export function parseTaskHeader(s: string, p: number, end: number): boolean {
  let from = p;
  for (let attempt = 0; attempt < 3; attempt++) {
    const br = s.indexOf('[', from);
    if (br < 0 || br >= end) return false;
    if (tryAt(s, p, br, end)) return true;
    from = br + 1;
  }
  return false;
}

function tryAt(s: string, p: number, br: number, end: number): boolean {
  // [cpu]
  let q = br + 1;
  let cpu = 0;
  const c0 = q;
  while (q < end && isDigit(s.charCodeAt(q))) { cpu = cpu * 10 + s.charCodeAt(q) - 0x30; q++; }
  if (q === c0 || q >= end || s.charCodeAt(q) !== 0x5d /* ] */ || q - c0 > 6) return false;
  // -pid before it
  let b = br;
  while (b > p && s.charCodeAt(b - 1) === 0x20) b--;
  const pe = b;
  while (b > p && isDigit(s.charCodeAt(b - 1))) b--;
  if (b === pe || b <= p || s.charCodeAt(b - 1) !== 0x2d /* - */ || pe - b > 10) return false;
  let pid = 0;
  for (let i = b; i < pe; i++) pid = pid * 10 + s.charCodeAt(i) - 0x30;
  // optional latency flags, then `seconds.fraction:`
  q = skipSpaces(s, q + 1, end);
  if (!isTimestampAt(s, q, end)) {
    while (q < end && s.charCodeAt(q) !== 0x20) q++;
    q = skipSpaces(s, q, end);
    if (!isTimestampAt(s, q, end)) return false;
  }
  const ts = q;
  while (s.charCodeAt(q) !== 0x3a) q++;
  hdr.commStart = p;
  hdr.commEnd = b - 1;
  hdr.pid = pid;
  hdr.cpu = cpu;
  hdr.tsStart = ts;
  hdr.tsEnd = q;
  hdr.payload = skipSpaces(s, q + 1, end);
  return true;
}

function isTimestampAt(s: string, q: number, end: number): boolean {
  const a = q;
  while (q < end && isDigit(s.charCodeAt(q))) q++;
  if (q === a || q >= end || s.charCodeAt(q) !== 0x2e) return false;
  const f = ++q;
  while (q < end && isDigit(s.charCodeAt(q))) q++;
  return q > f && q < end && s.charCodeAt(q) === 0x3a /* : */;
}

/** Timestamp of the last parsed header in ns (NaN if it does not parse). */
export function headerTimestampNs(s: string): number {
  let sec = 0;
  let p = hdr.tsStart;
  while (s.charCodeAt(p) !== 0x2e) { sec = sec * 10 + s.charCodeAt(p) - 0x30; p++; }
  p++;
  let frac = 0;
  let digits = 0;
  while (p < hdr.tsEnd && digits < 9) { frac = frac * 10 + s.charCodeAt(p) - 0x30; p++; digits++; }
  while (digits < 9) { frac *= 10; digits++; }
  return sec * 1e9 + frac;
}
