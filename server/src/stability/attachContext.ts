/**
 * Computes the AttachContext of every function in a file from the index plus the file's text:
 * call counts come from the index's call arrays, "address taken" from a token scan of the text
 * (comments and string literals blanked), because the grammar does not record plain references.
 */
import type { KernelIndex } from '../index/kernelIndex';
import type { FunctionDef } from '../index/model';
import type { AttachContext } from './attachability';
import { builtWithoutFtrace, type NoFtraceRules } from './ftraceFlags';

export interface TokenCounts {
  /** Identifier followed by `(`: definitions, declarations, calls, uses in macro bodies. */
  callLike: Map<string, number>;
  /** Any other mention: `&fn`, `.op = fn`, `register(fn)`, `EXPORT_SYMBOL(fn)`. */
  other: Map<string, number>;
}

const BLANK = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;

export function countIdentifiers(text: string): TokenCounts {
  const clean = text.replace(BLANK, ' ');
  const callLike = new Map<string, number>();
  const other = new Map<string, number>();
  const re = /[A-Za-z_]\w*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(clean))) {
    let j = re.lastIndex;
    while (j < clean.length && (clean.charCodeAt(j) === 32 || clean.charCodeAt(j) === 9 || clean.charCodeAt(j) === 10)) j++;
    const map = clean.charCodeAt(j) === 40 /* ( */ ? callLike : other;
    map.set(m[0], (map.get(m[0]) ?? 0) + 1);
  }
  return { callLike, other };
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
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const offset = (p: { line: number; col: number }) => (lineStarts[p.line] ?? text.length) + p.col;
    for (const fn of stored.functions) {
      out.set(fn, {
        callsInFile: inFile.get(fn.name) ?? 0,
        callsInTree: this.index.callCount(fn.name),
        nonCallRefs: tokens.other.get(fn.name) ?? 0,
        callLikeMentions: tokens.callLike.get(fn.name) ?? 0,
        inOpsStruct: this.index.opsOf(fn.name).length > 0,
        definitionsWithName: this.index.resolve(fn.name).length,
        bodyLines: fn.span.end.line - fn.span.start.line + 1,
        unusedParams: unusedParams(fn, text.slice(offset(fn.span.start), offset(fn.span.end))),
        inHeader,
        fileWithoutFtrace: noFtrace,
      });
    }
    return out;
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
