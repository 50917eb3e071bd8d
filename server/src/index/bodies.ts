/**
 * Finds the text the parser is told to skip: function bodies, and the top-level text no
 * extracted fact comes from.
 *
 * Everything the index takes from a body (call sites, `trace_*` calls, calls through fields) is
 * read lexically by callScan.ts, so tree-sitter only needs the file's top-level structure; bodies
 * are most of the bytes and most of the parse time. A body is a `{` at brace depth 0 that follows
 * a `)`; skeletonParse.ts leaves its interior out of the parse, so every offset and line stays valid.
 * Tree-sitter's time then goes to what is left, so statements without braces (prototypes,
 * externs, macro calls), macro definitions, and type bodies and initialisers that cannot name a
 * function are left out too (see findBodies).
 *
 * Preprocessor conditionals can make braces unbalanced per branch, so depth is restored at
 * `#else`/`#elif` (as ctags does); a body is left for the parser when a conditional inside it
 * has a branch with unbalanced braces or belongs to a group opened outside it (two alternative
 * heads sharing one body); a file whose braces do not balance is parsed whole.
 */
import { isIdent } from './callScan';

/**
 * `= foo_open,`, `{ foo_open, &bar }`, `(void *)fn }`: an identifier that is a whole value. It
 * must hold a lower-case letter: the extractor takes no ALL_CAPS name for a function, and tables
 * of constants (`{ REG_A, 4 }`) are the bulk of kernel initialisers.
 */
export const VALUE_IDENTIFIER = /[=,{&)]\s*(?:[A-Z_][A-Z0-9_]*)?[a-z]\w*\s*[,}]/;
/** `(*name)`: how a function-pointer field starts. */
export const FUNCTION_POINTER = /\(\s*\*/;
/** The head of a type body: `struct tag`, `union`, `enum tag` just before its `{`. */
const TYPE_HEAD = /\b(struct|union|enum)(?:\s+[A-Za-z_]\w*)?\s*$/;

const enum Kind { Function, Data, Struct, Enum }

/** What findBodies must look at inside braces once a line's first token is passed (charCodeAt of a lone surrogate is < 65536). */
const INSIDE = new Uint8Array(65536);
for (const ch of '\n/"\'{}') INSIDE[ch.charCodeAt(0)] = 1;

/**
 * Ranges [from, to) the parser may skip, flattened, in order; undefined when braces do not
 * balance. They are function body interiors and, when `original` (the unmasked text) is given,
 * the top-level text the extractor would not read anyway: initialisers `= {…}` that name no
 * function (VALUE_IDENTIFIER finds no identifier value in them: register and firmware tables),
 * enum bodies, struct or union bodies without a function-pointer field (hardware register
 * layouts; generated headers hold megabytes of both), whole statements without braces ending in
 * `;`, and `#define`/`#undef` directives between statements.
 */
export function findBodies(text: string, original?: string): number[] | undefined {
  const n = text.length;
  const ranges: number[] = [];
  const depthStack: number[] = [];
  let depth = 0;
  let bodyOpen = -1;
  let bodySafe = true;
  let bodyGroups = 0; // conditional groups open when the body opened
  let bodyKind: Kind | -1 = Kind.Function;
  let lastSignificant = 0; // char code of the last non-blank, non-comment char at depth 0
  let lineStart = true;
  // The top-level statement being read: where it starts (-1 between statements), whether it
  // can be left out (no brace, no directive inside it), and its parenthesis depth.
  let stmtStart = -1;
  let stmtPlain = false;
  let parens = 0;
  const comments = new NextComment(text);
  for (let i = 0; i < n; i++) {
    // Inside braces, past a line's first token, only a few characters matter: most of a file.
    if (depth > 0) {
      if (lineStart) {
        // The line's indent, and a first character that is none of those few nor a `#`, change nothing here.
        for (let b = text.charCodeAt(i); b === 32 || b === 9 || b === 13 || b === 12 || b === 11; b = text.charCodeAt(i)) i++;
        if (i >= n) break;
        const b = text.charCodeAt(i);
        if (INSIDE[b] !== 1 && b !== 35 /* # */) lineStart = false;
      }
      if (!lineStart) {
        while (i < n && INSIDE[text.charCodeAt(i)] !== 1) i++;
        if (i >= n) break;
      }
    }
    const c = text.charCodeAt(i);
    if (c === 10) { lineStart = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) continue;
    if (c === 47 /* / */) {
      const d = text.charCodeAt(i + 1);
      if (d === 42) { const e = text.indexOf('*/', i + 2); if (e < 0) return undefined; i = e + 1; continue; }
      if (d === 47) { const e = text.indexOf('\n', i); i = (e < 0 ? n : e) - 1; continue; }
    }
    if (c === 35 /* # */ && lineStart) {
      stmtPlain = false;
      const end = directiveEnd(text, i, comments);
      const word = directiveWord(text, i, Math.min(end, i + 40));
      if (word === 'define' || word === 'undef') {
        // Macro definitions hold no fact the grammar gives (instance macros are read from the
        // text), and tree-sitter-c misreads some: a comment before a `\` continuation ends the
        // macro early, leaving its remaining lines to be read as code.
        if (depth === 0 && stmtStart < 0 && original !== undefined) pushRange(ranges, text, i, end);
      } else if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
        depthStack.push(depth);
      } else if (word === 'else' || word === 'elif' || word === 'elifdef' || word === 'elifndef' || word === 'endif') {
        // Inside a body, a branch must close the braces it opens and belong to a group opened in
        // the body; otherwise the body's extent depends on which branch is compiled.
        if (bodyOpen >= 0 && (depthStack.length <= bodyGroups || depthStack[depthStack.length - 1] !== depth)) bodySafe = false;
        if (word === 'endif') depthStack.pop();
        else if (depthStack.length) depth = depthStack[depthStack.length - 1];
      }
      i = end - 1;
      continue;
    }
    lineStart = false;
    if (depth === 0 && stmtStart < 0) { stmtStart = i; stmtPlain = original !== undefined; parens = 0; }
    if (c === 34 /* " */ || c === 39 /* ' */) { i = literalEnd(text, i, c); if (i < 0) return undefined; continue; }
    if (depth === 0 && (c === 40 || c === 41 || c === 59)) {
      if (c === 40 /* ( */) parens++;
      else if (c === 41 /* ) */) parens--;
      else if (parens === 0) {
        // `;` ends a statement without braces (prototype, extern, plain variable, macro call):
        // none holds a fact (exports and tracepoints are read from the text), so it is left out.
        if (stmtPlain) pushRange(ranges, text, stmtStart, i + 1);
        stmtStart = -1;
      }
    }
    if (c === 123 /* { */) {
      if (depth === 0) {
        stmtPlain = false;
        bodyKind = lastSignificant === 41 /* ) */ ? Kind.Function : original === undefined ? -1 : lastSignificant === 61 /* = */ ? Kind.Data : typeBody(text, i);
        bodyOpen = bodyKind >= 0 ? i : -1;
        bodySafe = true;
        bodyGroups = depthStack.length;
      }
      depth++;
    } else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        const skippable = bodyOpen >= 0 && bodySafe && i > bodyOpen + 1 && (
          bodyKind === Kind.Function || bodyKind === Kind.Enum
          || (bodyKind === Kind.Data && !VALUE_IDENTIFIER.test(original!.slice(bodyOpen, i + 1)))
          || (bodyKind === Kind.Struct && !FUNCTION_POINTER.test(text.slice(bodyOpen, i + 1))));
        if (skippable) pushRange(ranges, text, bodyOpen + 1, i);
        // A function body ends its statement; a type or initialiser goes on to its `;`.
        if (bodyOpen >= 0 && bodyKind === Kind.Function) stmtStart = -1;
        bodyOpen = -1;
      }
    }
    if (depth === 0) lastSignificant = c;
  }
  return depth === 0 ? ranges : undefined;
}

/** Appends [from, to), merged with the previous range when only blanks lie between them. */
function pushRange(ranges: number[], text: string, from: number, to: number): void {
  const last = ranges.length - 1;
  if (last > 0 && from - ranges[last] < 64 && text.slice(ranges[last], from).trim() === '') ranges[last] = to;
  else ranges.push(from, to);
}

/** Kind.Struct or Kind.Enum when the `{` at `open` starts a struct, union or enum body, else -1. */
function typeBody(text: string, open: number): Kind | -1 {
  const m = TYPE_HEAD.exec(text.slice(Math.max(0, open - 128), open));
  if (m === null) return -1;
  return m[1] === 'enum' ? Kind.Enum : Kind.Struct;
}

/** Offset just past a directive, its continuation lines and any comment opened on it. */
function directiveEnd(text: string, from: number, comments: NextComment): number {
  let i = from;
  for (;;) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl;
    const close = openCommentClose(text, i, end, comments);
    if (close >= 0) {
      i = close + 2;
      continue;
    }
    let k = end - 1;
    if (k >= 0 && text.charCodeAt(k) === 13) k--;
    if (nl >= 0 && text.charCodeAt(k) === 92 /* \ */) { i = nl + 1; continue; }
    return end;
  }
}

/**
 * Where the next `/*` is, found once and reused while the scan moves forward: directives are
 * visited in order, and a search bounded by the file from each (a header of 15,000 #defines after
 * its licence comment) made the scan quadratic; a backward look over each line cost more than this.
 */
class NextComment {
  private next = -1;
  constructor(private readonly text: string) {}

  /** The first `/*` at or after `from`; the text's length when there is none. */
  at(from: number): number {
    if (this.next < from) {
      this.next = this.text.indexOf('/*', from);
      if (this.next < 0) this.next = this.text.length;
    }
    return this.next;
  }
}

/** Where the last comment opened in text[from, end) closes, when that is past end; else -1. */
function openCommentClose(text: string, from: number, end: number, comments: NextComment): number {
  let open = comments.at(from);
  if (open > end - 2) return -1;
  for (let k = text.indexOf('/*', open + 1); k >= 0 && k <= end - 2; k = text.indexOf('/*', k + 1)) open = k;
  const close = text.indexOf('*/', open + 2);
  return close > end ? close : -1;
}

/** What `/^#\s*(\w+)/` reads from text[from, to) (a directive's start), '' when nothing. */
function directiveWord(text: string, from: number, to: number): string {
  let i = from + 1;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // Other spaces \s knows: leave them to the expression.
    if (c > 127) return /^#\s*(\w+)/.exec(text.slice(from, to))?.[1] ?? '';
    break;
  }
  let e = i;
  while (e < to && isIdent(text.charCodeAt(e))) e++;
  return text.slice(i, e);
}

/** Index of the closing quote of a string or character literal, -1 when a line ends first in a string. */
function literalEnd(text: string, open: number, quote: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) { i++; continue; }
    if (c === quote) return i;
    if (c === 10) return quote === 39 ? i - 1 : -1;
  }
  return -1;
}
