/**
 * Reads a parameter list of the plain shapes most kernel definitions use (`struct sock *sk,
 * unsigned long flags, const char *const name`) from the text, where tree-sitter's reading is
 * certain; anything else (parentheses, arrays, comments, `...`, keywords in odd places, shapes
 * the grammar reads as an error) gets `undefined`, and the caller walks the tree instead.
 *
 * Walking each parameter with a TreeCursor cost ~15 native calls per parameter. The shapes
 * accepted here are checked against the cursor reading on real trees (test/index/paramText.test.mjs).
 */
import { isIdent } from './callScan';

/** Result entries, four per parameter: start, end, name start, name end (-1 when unnamed). */
export type ParamOffsets = number[];

const QUALIFIERS = new Set(['const', 'volatile']);
const TAGS = new Set(['struct', 'union', 'enum']);
const SIZED = new Set(['signed', 'unsigned', 'long', 'short']);
/** tree-sitter-c's primitive_type tokens. */
const PRIMITIVE = new Set([
  'bool', 'char', 'int', 'float', 'double', 'void', 'size_t', 'ssize_t', 'ptrdiff_t', 'intptr_t', 'uintptr_t',
  'charptr_t', 'nullptr_t', 'max_align_t',
  ...[8, 16, 32, 64].flatMap((n) => [`int${n}_t`, `uint${n}_t`, `char${n}_t`]),
]);
/** Words the grammar treats specially; a parameter holding one is left to the tree. */
const RESERVED = new Set([
  'auto', 'break', 'case', 'continue', 'default', 'do', 'else', 'extern', 'for', 'goto', 'if', 'inline',
  'register', 'restrict', 'return', 'sizeof', 'static', 'switch', 'typedef', 'while', '_Alignas', '_Alignof',
  '_Atomic', '_Bool', '_Complex', '_Generic', '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local',
  'alignas', 'alignof', 'constexpr', 'false', 'true', 'nullptr', 'NULL', 'TRUE', 'FALSE', 'static_assert',
  'thread_local', 'typeof', 'typeof_unqual', '__typeof', '__typeof__', 'noreturn', '_Nonnull', '__restrict',
  '__restrict__', '__extension__', '__inline', '__inline__', '__forceinline', '__thread', '__declspec',
  '__based', '_unaligned', '__unaligned', '__uptr', '__sptr', '__ptr32', '__ptr64', '__cdecl', '__clrcall',
  '__stdcall', '__fastcall', '__thiscall', '__vectorcall', '__asm', '__asm__', 'asm', '__try', '__except',
  '__finally', '__leave', '__alignof', '__alignof__', '_alignof', 'offsetof', '__attribute__', '__attribute',
  ...QUALIFIERS, ...TAGS, ...SIZED, ...PRIMITIVE,
]);

/** Characters a plain list is made of; any other (`(`, `[`, `/`, `.`, `#`, `\`…) means: use the tree. */
function plainChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95
    || c === 32 || c === 10 || c === 9 || c === 13 || c === 42 /* * */ || c === 44 /* , */;
}

/** Parameters of the list whose parentheses are at `open` and `close`; undefined when not plain. */
export function plainParams(text: string, open: number, close: number): ParamOffsets | undefined {
  if (text.charCodeAt(open) !== 40 /* ( */ || text.charCodeAt(close) !== 41 /* ) */) return undefined;
  for (let i = open + 1; i < close; i++) if (!plainChar(text.charCodeAt(i))) return undefined;
  const out: ParamOffsets = [];
  if (isBlank(text, open + 1, close)) return out;
  let from = open + 1;
  for (;;) {
    let comma = text.indexOf(',', from);
    if (comma < 0 || comma > close) comma = close;
    if (!plainParam(text, from, comma, out)) return undefined;
    if (comma === close) break;
    from = comma + 1;
  }
  return out;
}

interface Token { start: number; end: number; word: string }

/** Appends one parameter `[from, to)` (blanks around it allowed); false when its shape is not certain. */
function plainParam(text: string, from: number, to: number, out: ParamOffsets): boolean {
  const tokens: Token[] = [];
  for (let i = from; i < to;) {
    const c = text.charCodeAt(i);
    if (c === 42) { tokens.push({ start: i, end: i + 1, word: '*' }); i++; continue; }
    if (c === 32 || c === 10 || c === 9 || c === 13) { i++; continue; }
    if (c >= 48 && c <= 57) return false;
    let j = i + 1;
    while (j < to && isIdent(text.charCodeAt(j))) j++;
    tokens.push({ start: i, end: j, word: text.slice(i, j) });
    i = j;
  }
  // An empty piece (`f(int a,)`) is an error for the grammar.
  if (tokens.length === 0) return false;
  let k = 0;
  while (k < tokens.length && QUALIFIERS.has(tokens[k].word)) k++;
  // The type: `struct tag`, `unsigned long [int]`, or one word.
  if (k >= tokens.length) return false;
  const first = tokens[k].word;
  if (TAGS.has(first)) {
    if (k + 1 >= tokens.length || !isPlainName(tokens[k + 1].word)) return false;
    k += 2;
  } else if (SIZED.has(first)) {
    while (k < tokens.length && SIZED.has(tokens[k].word)) k++;
    if (k < tokens.length && PRIMITIVE.has(tokens[k].word)) k++;
  } else if (PRIMITIVE.has(first) || isPlainName(first)) {
    k++;
  } else {
    return false;
  }
  // Pointer stars (each may carry qualifiers), then at most the name.
  let stars = 0;
  while (k < tokens.length && (tokens[k].word === '*' || (stars > 0 && QUALIFIERS.has(tokens[k].word)))) {
    if (tokens[k].word === '*') stars++;
    k++;
  }
  const start = tokens[0].start;
  if (k === tokens.length) {
    // No name: `u32`, `struct sock`, `unsigned long`; an abstract `int *` is left to the tree.
    if (stars > 0) return false;
    out.push(start, tokens[k - 1].end, -1, -1);
    return true;
  }
  if (k !== tokens.length - 1 || !isPlainName(tokens[k].word)) return false;
  out.push(start, tokens[k].end, tokens[k].start, tokens[k].end);
  return true;
}

function isPlainName(word: string): boolean {
  return word !== '*' && !RESERVED.has(word);
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return true;
}
