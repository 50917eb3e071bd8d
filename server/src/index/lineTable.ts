import type { Position } from './model';

/**
 * Maps offsets to 0-based line/column positions and back (columns in UTF-16 units, as tree-sitter's
 * node binding reports them for string input). Built on first use: most header files never need it.
 */
export class LineTable {
  private starts: number[] | undefined;
  /** The line of the last answer: lookups mostly move forward a few lines (call sites in order). */
  private last = 0;
  constructor(private readonly text: string) {}

  at(offset: number): Position {
    const s = this.lineStarts();
    let line = this.last;
    if (s[line] <= offset) {
      const near = Math.min(line + 8, s.length - 1);
      while (line < near && s[line + 1] <= offset) line++;
      if (line + 1 < s.length && s[line + 1] <= offset) line = lastAtOrBefore(s, offset, s.length);
    } else {
      line = lastAtOrBefore(s, offset, s.length);
    }
    this.last = line;
    return { line, col: offset - s[line] };
  }

  /** Offset of a position; a line past the last one is the end of the text. */
  offsetOf(p: Position): number {
    return (this.lineStarts()[p.line] ?? this.text.length) + p.col;
  }

  private lineStarts(): number[] {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    return this.starts;
  }
}

/** Index of the last of the first `n` ascending `starts` that is ≤ `x` (0 when none is). */
export function lastAtOrBefore(starts: ArrayLike<number>, x: number, n: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
