/**
 * Computes the AttachContext of every function in a file from the index plus the file's text:
 * call counts come from the index's call arrays, "address taken" from a token scan of the text
 * (comments and string literals blanked), because the grammar does not record plain references.
 */
import type { KernelIndex } from '../index/kernelIndex';
import { LineTable } from '../index/lineTable';
import type { FunctionDef } from '../index/model';
import type { AttachContext } from './attachability';
import { builtWithoutFtrace, type NoFtraceRules } from './ftraceFlags';

export interface TokenCounts {
  /** Identifier followed by `(`: definitions, declarations, calls, uses in macro bodies. */
  callLike: Map<string, number>;
  /** Any other mention: `&fn`, `.op = fn`, `register(fn)`, `EXPORT_SYMBOL(fn)`. */
  other: Map<string, number>;
}

/** A comment, or a string or char literal (only used with String.replace, so the /g state never lingers). */
export const COMMENT_OR_STRING = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

/** Comments and string/char literals blanked: what is left of the text holds only code. */
export function blankNonCode(text: string): string {
  return text.replace(COMMENT_OR_STRING, ' ');
}

export function countIdentifiers(text: string): TokenCounts {
  const clean = blankNonCode(text);
  const callLike = new Map<string, number>();
  const other = new Map<string, number>();
  const re = /[A-Za-z_]\w*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(clean))) {
    const map = followedByParen(clean, re.lastIndex) ? callLike : other;
    map.set(m[0], (map.get(m[0]) ?? 0) + 1);
  }
  return { callLike, other };
}

/** Mentions of one identifier in blanked text, classified as countIdentifiers does. */
export function countMentions(clean: string, name: string): { callLike: number; other: number } {
  let callLike = 0;
  let other = 0;
  for (let i = clean.indexOf(name); i >= 0; i = clean.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i > 0 && isIdentChar(clean.charCodeAt(i - 1))) || isIdentChar(clean.charCodeAt(end))) continue;
    if (followedByParen(clean, end)) callLike++;
    else other++;
  }
  return { callLike, other };
}

function followedByParen(text: string, from: number): boolean {
  let j = from;
  while (j < text.length && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 10)) j++;
  return text.charCodeAt(j) === 40; /* ( */
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export class AttachContextBuilder {
  constructor(private readonly index: KernelIndex, private readonly noFtrace?: NoFtraceRules) {}

  /** Contexts for the functions the index holds for `file`, whose current text is `text`. */
  contextsForFile(file: string, text: string): Map<FunctionDef, AttachContext> {
    const stored = this.index.fileFacts(file);
    const out = new Map<FunctionDef, AttachContext>();
    if (!stored) return out;
    // Call arrays hold ids into the index's name table: count per id, then name the ids once.
    const perId = new Map<number, number>();
    for (let i = 0; i < stored.calls.length; i += 4) perId.set(stored.calls[i], (perId.get(stored.calls[i]) ?? 0) + 1);
    const names = this.index.snapshot().names;
    const inFile = new Map<string, number>();
    for (const [id, n] of perId) inFile.set(names[id], n);
    const tokens = countIdentifiers(text);
    const inHeader = file.endsWith('.h');
    const noFtrace = this.noFtrace ? builtWithoutFtrace(file, this.noFtrace) : false;
    const lines = new LineTable(text);
    for (const fn of stored.functions) {
      out.set(fn, this.context(fn, inFile.get(fn.name) ?? 0, tokens.other.get(fn.name) ?? 0, tokens.callLike.get(fn.name) ?? 0,
        unusedParams(fn, text.slice(lines.offsetOf(fn.span.start), lines.offsetOf(fn.span.end))), inHeader, noFtrace));
    }
    return out;
  }

  /**
   * The context of one function, equal to its entry in contextsForFile but without counting every
   * identifier of the file: what a hover (or a caller judged from another file) needs.
   */
  contextFor(fn: FunctionDef, text: string): AttachContext {
    const callsInFile = this.index.callCountInFile(fn.name, fn.file);
    const mentions = countMentions(blankNonCode(text), fn.name);
    const lines = new LineTable(text);
    return this.context(fn, callsInFile, mentions.other, mentions.callLike,
      unusedParams(fn, text.slice(lines.offsetOf(fn.span.start), lines.offsetOf(fn.span.end))),
      fn.file.endsWith('.h'), this.noFtrace ? builtWithoutFtrace(fn.file, this.noFtrace) : false);
  }

  private context(fn: FunctionDef, callsInFile: number, nonCallRefs: number, callLikeMentions: number, unused: number, inHeader: boolean, fileWithoutFtrace: boolean): AttachContext {
    return {
      callsInFile,
      callsInTree: this.index.callCount(fn.name),
      nonCallRefs,
      callLikeMentions,
      inOpsStruct: this.index.opsOf(fn.name).length > 0,
      definitionsWithName: this.index.resolve(fn.name).length,
      bodyLines: fn.span.end.line - fn.span.start.line + 1,
      unusedParams: unused,
      inHeader,
      fileWithoutFtrace,
    };
  }
}

/** Parameters never mentioned in the body: GCC's IPA-SRA then emits a renamed `.isra` clone instead. */
function unusedParams(fn: FunctionDef, definition: string): number {
  let n = 0;
  for (const p of fn.params) {
    if (!/^\w+$/.test(p.name)) continue;
    const uses = definition.match(new RegExp(`\\b${p.name}\\b`, 'g'))?.length ?? 0;
    if (uses <= 1) n++;
  }
  return n;
}
