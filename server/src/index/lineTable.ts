import type { Position } from './model';

/**
 * Maps offsets to 0-based line/column positions and back (columns in UTF-16 units, as tree-sitter's
 * node binding reports them for string input). Built on first use: most header files never need it.
 */
export class LineTable {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  at(offset: number): Position {
    const s = this.lineStarts();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: offset - s[lo] };
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
