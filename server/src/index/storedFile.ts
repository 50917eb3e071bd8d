/**
 * How the index keeps one file's facts: calls as [calleeId, callerId, line, col] quadruples over
 * the index's call-name table, functions as StoredFunction. A file read from the cache builds
 * `functions` on first access (cacheCodec.ts), hence the separate counts.
 */
import type { ExportKind, FileFacts, FunctionDef, Param, Qualifier, Span, SyscallInfo } from './model';

/** Facts as saved or sent without their file (it is the file's, known to the reader). */
export const withoutFile = <T extends { file: string }>(xs: T[]): Omit<T, 'file'>[] => xs.map(({ file: _f, ...rest }) => rest);

/** Facts read back without their file: it is added in place (a copy doubled the objects). */
export function withFile<T extends object>(xs: T[], file: string): (T & { file: string })[] {
  for (const x of xs) (x as T & { file: string }).file = file;
  return xs as (T & { file: string })[];
}

/** Qualifier lists by the id of their space-joined text: one shared array per distinct list. */
export class QualifierLists {
  private readonly lists = new Map<number, Qualifier[]>();
  constructor(private readonly text: (id: number) => string) {}

  get(id: number): Qualifier[] {
    let q = this.lists.get(id);
    if (q === undefined) {
      const t = this.text(id);
      this.lists.set(id, (q = t === '' ? [] : (t.split(' ') as Qualifier[])));
    }
    return q;
  }
}

/** A file's facts as FileFacts has them, but functions compact, exports without positions, calls packed. */
export interface StoredFile extends Omit<FileFacts, 'functions' | 'exports' | 'calls'> {
  readonly functions: StoredFunction[];
  readonly functionCount: number;
  readonly syscallCount: number;
  readonly indirectCallCount: number;
  readonly tracepointCallCount: number;
  exports: { name: string; kind: ExportKind }[];
  calls: Int32Array;
}

const NO_PARAMS: Param[] = [];
const PARAM_SEP = '\u0001';
const PARAMS_SEP = '\u0002';

/** A parameter list as one string (`type\u0001name\u0002…`): shared between functions, one object, decoded on use. */
export function paramsKey(ps: readonly Param[]): string {
  let key = '';
  for (let i = 0; i < ps.length; i++) key += (i ? PARAMS_SEP : '') + ps[i].type + PARAM_SEP + ps[i].name;
  return key;
}

function decodeParams(key: string): Param[] {
  if (key === '') return NO_PARAMS;
  return key.split(PARAMS_SEP).map((p) => {
    const k = p.indexOf(PARAM_SEP);
    return { type: p.slice(0, k), name: p.slice(k + 1) };
  });
}

/**
 * A function definition kept compact: its two spans as eight in-object numbers instead of six
 * objects, its parameters as one shared string (a full tree has 700k definitions). Spans and
 * parameters are built on access.
 */
export class StoredFunction implements FunctionDef {
  name = '';
  file = '';
  signature = '';
  returnType = '';
  qualifiers: Qualifier[] = [];
  exported?: ExportKind;
  syscall?: SyscallInfo;
  /** Parameters, encoded by `paramsKey`. */
  pk = '';
  private decoded: Param[] | undefined = undefined;
  // Start/end line and column of the definition (a*) and of the name (n*).
  a0 = 0; a1 = 0; a2 = 0; a3 = 0;
  n0 = 0; n1 = 0; n2 = 0; n3 = 0;

  setSpans(s: Int32Array, o: number): void {
    this.a0 = s[o]; this.a1 = s[o + 1]; this.a2 = s[o + 2]; this.a3 = s[o + 3];
    this.n0 = s[o + 4]; this.n1 = s[o + 5]; this.n2 = s[o + 6]; this.n3 = s[o + 7];
  }

  get params(): Param[] {
    return (this.decoded ??= decodeParams(this.pk));
  }

  get span(): Span {
    return { start: { line: this.a0, col: this.a1 }, end: { line: this.a2, col: this.a3 } };
  }

  get nameSpan(): Span {
    return { start: { line: this.n0, col: this.n1 }, end: { line: this.n2, col: this.n3 } };
  }
}
