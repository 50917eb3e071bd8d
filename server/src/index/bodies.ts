/**
 * Finds the interiors of function bodies, which the parser is told to skip.
 *
 * Everything the index takes from a body (call sites, `trace_*` calls, calls through fields) is
 * read lexically by callScan.ts, so tree-sitter only needs the file's top-level structure; bodies
 * are most of the bytes and most of the parse time. A body is a `{` at brace depth 0 that follows
 * a `)`; skeletonParse.ts leaves its interior out of the parse, so every offset and line stays valid.
 *
 * Preprocessor conditionals can make braces unbalanced per branch, so depth is restored at
 * `#else`/`#elif` (as ctags does); a body is left for the parser when a conditional inside it
 * has a branch with unbalanced braces or belongs to a group opened outside it (two alternative
 * heads sharing one body); a file whose braces do not balance is parsed whole.
 */
/** `= foo_open,`, `{ foo_open, &bar }`, `(void *)fn }`: an identifier that is a whole value. */
export const VALUE_IDENTIFIER = /[=,{&)]\s*[A-Za-z_]\w*\s*[,}]/;

/**
 * Interior ranges [from, to) the parser may skip, flattened; undefined when braces do not balance.
 * They are function bodies and, when `original` (the unmasked text) is given, top-level
 * initialisers `= {…}` that name no function (VALUE_IDENTIFIER finds no identifier value in them):
 * register and firmware tables, which the extractor would not walk anyway.
 */
export function findBodies(text: string, original?: string): number[] | undefined {
  const n = text.length;
  const ranges: number[] = [];
  const depthStack: number[] = [];
  let depth = 0;
  let bodyOpen = -1;
  let bodySafe = true;
  let bodyGroups = 0; // conditional groups open when the body opened
  let bodyIsData = false;
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
      if (word === 'if' || word === 'ifdef' || word === 'ifndef') {
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
    if (c === 34 /* " */ || c === 39 /* ' */) { i = literalEnd(text, i, c); if (i < 0) return undefined; continue; }
    if (c === 123 /* { */) {
      if (depth === 0) {
        bodyIsData = lastSignificant === 61 /* = */ && original !== undefined;
        bodyOpen = lastSignificant === 41 /* ) */ || bodyIsData ? i : -1;
        bodySafe = true;
        bodyGroups = depthStack.length;
      }
      depth++;
    } else if (c === 125 /* } */) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        const skippable = bodyOpen >= 0 && bodySafe && i > bodyOpen + 1
          && (!bodyIsData || !VALUE_IDENTIFIER.test(original!.slice(bodyOpen, i + 1)));
        if (skippable) ranges.push(bodyOpen + 1, i);
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
