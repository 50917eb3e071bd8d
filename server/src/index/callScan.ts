/**
 * Finds call sites in a function body lexically: an identifier (or a `a->b.c` chain, or such a
 * chain in parentheses) directly followed by `(`, outside comments, literals and preprocessor
 * lines, that is not a keyword. Bodies are left out of the parse (bodies.ts, skeletonParse.ts), so this
 * is the only reader of calls; test/index/callScan.test.mjs checks it against tree-sitter's call_expressions.
 */

export interface ScannedCall {
  offset: number;
  /** The callee for a direct call, the field for a call through a field. */
  name: string;
  /** For a call through a field: the object expression (`sk->sk_prot`) and the full callee text. */
  object?: string;
  expr?: string;
  /** Offset of `name` (differs from `offset` for chains and parenthesised callees). */
  nameOffset: number;
}

const KEYWORDS = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', 'typeof_unqual',
  '_Generic', 'alignof', '_Alignof', '__alignof__', 'asm', '__asm__', '__asm', 'volatile', '__volatile__',
  'do', 'else', 'case', 'goto', 'defined', '_Static_assert', 'static_assert', '__builtin_offsetof',
  '__attribute__', '__extension__', 'offsetof', '__builtin_types_compatible_p', 'int', 'long', 'char', 'short', 'unsigned', 'signed', 'void', 'const',
]);

const CHAIN_RE = /([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*|\s*\[[^\]\n]*\])*)\s*\(/y;
const PAREN_RE = /\(\s*\*?\s*([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*|\s*\[[^\]\n]*\])*)\s*\)\s*\(/y;
const LAST_FIELD_RE = /\s*(?:->|\.)\s*([A-Za-z_]\w*)$/;

/**
 * Character classes by char code (charCodeAt is < 65536; NaN past the end reads as undefined):
 * 1 starts an identifier (letter, `_`), 2 only continues one (digit). One load instead of up
 * to six compares in the scanners' innermost loops.
 */
const IDENT_CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) IDENT_CLASS[c] = 1;
  else if (/[0-9]/.test(ch)) IDENT_CLASS[c] = 2;
}

function isIdentStart(c: number): boolean {
  return IDENT_CLASS[c] === 1;
}
/** A character of a C identifier (letter, digit, `_`), by char code. */
export function isIdent(c: number): boolean {
  return IDENT_CLASS[c] > 0;
}

/** Calls between `from` and `to` (a body's braces), in source order. */
export function scanCalls(text: string, from: number, to: number, out: ScannedCall[]): void {
  let lineStart = true;
  let prev = 0; // last significant char code, to tell a chain's head from its members
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { lineStart = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12) continue;
    if (c === 47 /* / */) {
      const d = text.charCodeAt(i + 1);
      if (d === 42) { const e = text.indexOf('*/', i + 2); i = e < 0 ? to : e + 1; continue; }
      if (d === 47) { const e = text.indexOf('\n', i); i = (e < 0 ? to : e) - 1; continue; }
    }
    if (c === 35 /* # */ && lineStart) { i = skipDirective(text, i, to) - 1; continue; }
    lineStart = false;
    if (c === 34 || c === 39) { i = skipLiteral(text, i, c, to); prev = c; continue; }
    if (isIdentStart(c)) {
      let e = i + 1;
      while (e < to && isIdent(text.charCodeAt(e))) e++;
      const member = prev === 46 /* . */ || (prev === 62 /* > */ && precededByArrow(text, i));
      const k = member ? to : skipBlanks(text, e, to);
      const d = k < to ? text.charCodeAt(k) : 0;
      if (d === 40 /* ( */) {
        // A plain `name(`: what CHAIN_RE finds with an empty chain, without running it.
        const name = text.slice(i, e);
        if (!KEYWORDS.has(name)) out.push({ offset: i, name, nameOffset: i });
        i = k - 1;
        prev = 0;
        continue;
      }
      // `->`, `.`, `[` may continue a chain; beyond ASCII, \s also matches other spaces.
      if (d === 45 /* - */ || d === 46 /* . */ || d === 91 /* [ */ || d > 127) {
        CHAIN_RE.lastIndex = i;
        const m = CHAIN_RE.exec(text);
        if (m && m.index + m[0].length <= to) {
          record(out, m, i);
          // Resume at the `(`: arguments hold more calls; chain members must not be taken as heads.
          i = m.index + m[0].length - 2;
          prev = 0;
          continue;
        }
      }
      i = e - 1;
      prev = 97;
      continue;
    }
    if (c === 40 /* ( */ && mayBeParenthesisedCallee(text, i + 1, to)) {
      PAREN_RE.lastIndex = i;
      const m = PAREN_RE.exec(text);
      // `(u32)(x)` is a cast; a parenthesised plain name is a call only through `(*fn)(…)`.
      if (m && m.index + m[0].length <= to && (m[2] || /^\(\s*\*/.test(m[0]))) record(out, m, text.indexOf(m[1], i));
    }
    prev = c;
  }
}

/** The first offset in [from, to) that is not an ASCII blank (the ones \s matches); `to` when none. */
function skipBlanks(text: string, from: number, to: number): number {
  let k = from;
  for (; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 11 && c !== 12) break;
  }
  return k;
}

/**
 * Whether PAREN_RE can give a call at the `(` before `from`: `(*name)` or `(name->chain…`. Most
 * parentheses hold conditions, casts and arguments, and the expression cost more than this look.
 * A character beyond ASCII (possibly a blank to \s) leaves the answer to the expression.
 */
function mayBeParenthesisedCallee(text: string, from: number, to: number): boolean {
  let k = skipBlanks(text, from, to);
  const star = text.charCodeAt(k) === 42 /* * */;
  if (star) k = skipBlanks(text, k + 1, to);
  if (k >= to) return false;
  let c = text.charCodeAt(k);
  if (c > 127) return true;
  if (!isIdentStart(c)) return false;
  while (k < to && isIdent(text.charCodeAt(k))) k++;
  k = skipBlanks(text, k, to);
  if (k >= to) return false;
  c = text.charCodeAt(k);
  // Without a chain the name is taken only after a `*`.
  return c === 45 /* - */ || c === 46 /* . */ || c === 91 /* [ */ || c > 127 || (star && c === 41 /* ) */);
}

function precededByArrow(text: string, i: number): boolean {
  let k = i - 1;
  while (k > 0 && /\s/.test(text[k])) k--;
  return text.charCodeAt(k) === 62 && text.charCodeAt(k - 1) === 45;
}

function record(out: ScannedCall[], m: RegExpExecArray, headOffset: number): void {
  const head = m[1];
  const chain = m[2];
  if (!chain) {
    if (KEYWORDS.has(head)) return;
    out.push({ offset: m.index, name: head, nameOffset: headOffset });
    return;
  }
  const last = LAST_FIELD_RE.exec(chain);
  if (!last) return;
  const chainText = head + chain;
  const nameOffset = headOffset + chainText.length - last[1].length;
  out.push({
    offset: m.index, name: last[1], nameOffset,
    object: head + chain.slice(0, chain.length - last[0].length),
    expr: chainText.replace(/\s+/g, ''),
  });
}

function skipDirective(text: string, from: number, to: number): number {
  let i = from;
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0 || nl >= to) return to;
    let k = nl - 1;
    if (text.charCodeAt(k) === 13) k--;
    if (text.charCodeAt(k) !== 92) return nl;
    i = nl + 1;
  }
}

function skipLiteral(text: string, open: number, quote: number, to: number): number {
  for (let i = open + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; }
    if (c === quote || c === 10) return i;
  }
  return to;
}
