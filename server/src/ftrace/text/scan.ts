/**
 * Character-level scanning shared by the text parsers. Every parser works on one decoded
 * chunk string with [start, end) line bounds, so a line costs no allocation until a name is
 * kept; these helpers return positions and numbers, never substrings.
 */
export const SPACE = 0x20;
export const TAB = 0x09;

export function skipSpaces(s: string, p: number, end: number): number {
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c !== SPACE && c !== TAB) break;
    p++;
  }
  return p;
}

export function isDigit(c: number): boolean { return c >= 0x30 && c <= 0x39; }

/**
 * Result slot for scanners that return a number and a position (avoids an object per call);
 * scanDecimal also leaves the parts of the number (value = int + frac / scale).
 */
export const scanned = { value: 0, pos: 0, int: 0, frac: 0, scale: 1 };

/**
 * Decimal number `123`, `123.456`: value in `scanned.value`, position after it in
 * `scanned.pos`; false when no digit is there. Values beyond 2^53 lose precision, never fail.
 */
export function scanDecimal(s: string, p: number, end: number): boolean {
  let v = 0;
  const start = p;
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    p++;
  }
  if (p === start) return false;
  scanned.int = v;
  scanned.frac = 0;
  scanned.scale = 1;
  if (p < end && s.charCodeAt(p) === 0x2e /* . */) {
    let scale = 1;
    let frac = 0;
    let q = p + 1;
    while (q < end) {
      const c = s.charCodeAt(q);
      if (c < 0x30 || c > 0x39) break;
      frac = frac * 10 + (c - 0x30);
      scale *= 10;
      q++;
    }
    if (q > p + 1) {
      v += frac / scale;
      p = q;
      scanned.frac = frac;
      scanned.scale = scale;
    }
  }
  scanned.value = v;
  scanned.pos = p;
  return true;
}

/**
 * A function_graph duration such as `0.198 us`, `1000131 us`, `! 8147.120 us`, `+ 11.065 us`,
 * `$ 1.2 s`: the overhead marker (glued or spaced) is skipped, the unit scales to ns.
 * `scanned.value` = ns, `scanned.pos` = after the unit; false when there is no number+unit.
 * ReportBytes.duration mirrors this arithmetic on bytes.
 */
export function scanDuration(s: string, p: number, end: number): boolean {
  p = skipSpaces(s, p, end);
  if (p < end && isOverheadMarker(s.charCodeAt(p))) p = skipSpaces(s, p + 1, end);
  if (!scanDecimal(s, p, end)) return false;
  const { int, frac, scale } = scanned;
  p = skipSpaces(s, scanned.pos, end);
  const c0 = p < end ? s.charCodeAt(p) : 0;
  const c1 = p + 1 < end ? s.charCodeAt(p + 1) : 0;
  let mul: number;
  if (c1 === 0x73 /* s */ && c0 === 0x75 /* u */) { mul = 1e3; p += 2; }
  else if (c1 === 0x73 && c0 === 0x6e /* n */) { mul = 1; p += 2; }
  else if (c1 === 0x73 && c0 === 0x6d /* m */) { mul = 1e6; p += 2; }
  else if (c0 === 0x73 /* s */ && !isNameChar(c1)) { mul = 1e9; p += 1; }
  else return false;
  // In parts, so a whole number of ns stays an exact integer and sums do not depend on order.
  scanned.value = int * mul + frac * mul / scale;
  scanned.pos = p;
  return true;
}

/** Overhead markers the graph tracer puts before a duration: + ! # * @ $ (10us … 100s). */
export function isOverheadMarker(c: number): boolean {
  return c === 0x2b || c === 0x21 || c === 0x23 || c === 0x2a || c === 0x40 || c === 0x24;
}

/** Characters of a symbol as ftrace prints it: identifier chars plus `.` clones and `+0x/` offsets. */
export function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x5f || c === 0x2e || c === 0x24;
}

/** End of a `name+0x1c/0x50`-style symbol starting at p (name chars, then an optional offset). */
export function scanSymbolEnd(s: string, p: number, end: number): number {
  while (p < end && isNameChar(s.charCodeAt(p))) p++;
  if (p < end && s.charCodeAt(p) === 0x2b /* + */) {
    p++;
    while (p < end) {
      const c = s.charCodeAt(p);
      if (!(isNameChar(c) || c === 0x2f /* / */)) break;
      p++;
    }
  }
  return p;
}

/** Trailing spaces/tabs/CR trimmed end. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== SPACE && c !== TAB && c !== 0x0d) break;
    end--;
  }
  return end;
}

export function startsWithAt(s: string, p: number, end: number, lit: string): boolean {
  if (end - p < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (s.charCodeAt(p + i) !== lit.charCodeAt(i)) return false;
  return true;
}
