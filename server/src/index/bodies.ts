/**
 * Blanks the inside of function bodies before parsing.
 *
 * Everything the index takes from a body (call sites, `trace_*` calls, calls through fields) is
 * read lexically by callScan.ts, so tree-sitter only needs the file's top-level structure; bodies
 * are most of the bytes and most of the parse time. A body is a `{` at brace depth 0 that follows
 * a `)`; its interior is replaced by spaces, newlines kept, so every offset and line stays valid.
 *
 * Preprocessor conditionals can make braces unbalanced per branch, so depth is restored at
 * `#else`/`#elif` (as ctags does), a body containing any directive is left for the parser, and a
 * file whose braces do not balance is not blanked at all.
 */
export function blankBodies(text: string): string {
  const ranges = findBodies(text);
  if (ranges === undefined || ranges.length === 0) return text;
  const out: string[] = [];
  let copied = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    const from = ranges[k];
    const to = ranges[k + 1];
    out.push(text.slice(copied, from), spaces(text, from, to));
    copied = to;
  }
  out.push(text.slice(copied));
  return out.join('');
}

/** Interior ranges [from, to) of blankable bodies, flattened; undefined when braces do not balance. */
export function findBodies(text: string): number[] | undefined {
  const n = text.length;
  const ranges: number[] = [];
  const depthStack: number[] = [];
  let depth = 0;
  let bodyOpen = -1;
  let bodySafe = true;
  let lastSignificant = 0; // char code of the last non-blank, non-comment char at depth 0
  let lineStart = true;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { lineStart = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) continue;
    if (c === 47 /* / */) {
      const d = text.charCodeAt(i + 1);
      if (d === 42) { const e = text.indexOf('*/', i + 2); if (e < 0) return undefined; i = e + 1; continue; }
      if (d === 47) { const e = text.indexOf('\n', i); i = (e < 0 ? n : e) - 1; continue; }
    }
    if (c === 35 /* # */ && lineStart) {
      const end = directiveEnd(text, i);
      const word = /^#\s*(\w+)/.exec(text.slice(i, Math.min(end, i + 40)))?.[1] ?? '';
      if (word === 'if' || word === 'ifdef' || word === 'ifndef') depthStack.push(depth);
      else if (word === 'else' || word === 'elif' || word === 'elifdef' || word === 'elifndef') { if (depthStack.length) depth = depthStack[depthStack.length - 1]; }
      else if (word === 'endif') depthStack.pop();
      if (bodyOpen >= 0) bodySafe = false;
      i = end - 1;
      continue;
    }
    lineStart = false;
    if (c === 34 /* " */ || c === 39 /* ' */) { i = literalEnd(text, i, c); if (i < 0) return undefined; continue; }
    if (c === 123 /* { */) {
      if (depth === 0) {
        bodyOpen = lastSignificant === 41 /* ) */ ? i : -1;
        bodySafe = true;
      }
      depth++;
    } else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        if (bodyOpen >= 0 && bodySafe && i > bodyOpen + 1) ranges.push(bodyOpen + 1, i);
        bodyOpen = -1;
      }
    }
    if (depth === 0) lastSignificant = c;
  }
  return depth === 0 ? ranges : undefined;
}

/** Offset just past a directive, its continuation lines and any comment opened on it. */
function directiveEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl;
    const open = text.lastIndexOf('/*', end);
    if (open >= i && text.indexOf('*/', open + 2) > end) {
      const close = text.indexOf('*/', open + 2);
      i = close + 2;
      continue;
    }
    let k = end - 1;
    if (k >= 0 && text.charCodeAt(k) === 13) k--;
    if (nl >= 0 && text.charCodeAt(k) === 92 /* \ */) { i = nl + 1; continue; }
    return end;
  }
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

function spaces(text: string, from: number, to: number): string {
  const parts: string[] = [];
  let i = from;
  for (let nl = text.indexOf('\n', i); nl >= 0 && nl < to; nl = text.indexOf('\n', i)) {
    parts.push(' '.repeat(nl - i));
    i = nl + 1;
  }
  parts.push(' '.repeat(to - i));
  return parts.join('\n');
}
